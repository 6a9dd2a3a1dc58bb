"""Flow figures on a scripted history whose answers are computed by hand in the comments."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app import clock
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate
from app.boards.models import Board
from app.cards import service as cards
from app.cards import undo
from app.cards.models import Card, CardMove
from app.people.models import Lotse
from app.reports.scope import Period, Scope
from app.reports.service import OTHERS, Report, groups
from app.settings import get_settings
from tests.factories import (
    make_annotation,
    make_board,
    make_card,
    make_category,
    make_department,
    make_lotse,
    phases_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2 November 2026, 09:00 in Berlin (08:00 UTC): the first day of calendar week 45.
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# The period: Monday 2 to Sunday 29 November; it ends at midnight in Berlin, 15 hours after
# the 08:00 UTC of day 27.
END = 27.625


def day(days: float) -> datetime:
    return START + timedelta(days=days)


@contextmanager
def at(days: float) -> Iterator[None]:
    with clock.frozen_at(day(days)):
        yield


def move(session: Session, card: Card, phase: Any, when: float) -> None:
    with at(when):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=phase.id, position=0, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor="Test")


def archive(session: Session, card: Card, when: float) -> None:
    with at(when):
        current = session.get(Card, card.id)
        assert current is not None
        cards.archive_card(session, card_id=current.id, version=current.version, actor="Test")


def created(session: Session, board: Board, phase: Any, when: float, **values: Any) -> Card:
    with at(when):
        return make_card(session, board, phase_id=phase.id, **values)


@pytest.fixture
def story(session: Session) -> dict[str, Any]:
    """Seven measures on the default phases: Ideenspeicher, Priorisiert, In Umsetzung (where
    work starts), Erledigt."""
    with at(-1):
        board = make_board(session)
        bau = make_department(session, name="Bauamt", code="BA")
        for _ in range(3):
            make_lotse(session, department_id=bau.id)
        kaemmerei = make_department(session, name="Kämmerei", code="KÄ")
        make_lotse(session, department_id=kaemmerei.id)
        # With the Kämmerei's one, three lotsen in small departments: enough to merge.
        ordnung = make_department(session, name="Ordnungsamt", code="OA")
        make_lotse(session, department_id=ordnung.id)
        make_lotse(session, department_id=ordnung.id)
        category = make_category(session, name="Datenschutz")
    ideas, ranked, doing, done = phases_of(session, board)
    a = created(session, board, ideas, 0, department_id=bau.id, tags=["ozg"])
    b = created(session, board, ranked, 0, department_id=bau.id)
    d = created(session, board, ideas, 0, department_id=bau.id)
    c = created(session, board, doing, 1, department_id=kaemmerei.id)
    move(session, b, doing, 1)
    move(session, a, doing, 2)
    e = created(session, board, ideas, 2, department_id=kaemmerei.id, tags=["ozg"])
    move(session, b, done, 3)
    move(session, d, doing, 3)
    g = created(session, board, doing, 3)
    move(session, b, doing, 4)  # reopened: its first completion no longer counts
    move(session, a, done, 5)
    f = created(session, board, doing, 5)
    archive(session, c, 6)  # dropped from work in progress: leaves the flow
    move(session, e, done, 8)  # skipped "In Umsetzung": cycle time 0
    move(session, b, done, 10)
    move(session, d, done, 15)
    archive(session, d, 16)  # archived from done: still done
    move(session, g, done, 20)
    move(session, g, doing, 25)  # reopened, not done at the end of the period
    with at(1):
        quick = make_annotation(session, a, category_id=category.id)
    with at(3):
        annotations.update_annotation(
            session,
            annotation_id=quick.id,
            data=AnnotationUpdate(version=quick.version, status="resolved", resolution="ok"),
            actor="Test",
        )
    with at(10):
        blocker = make_annotation(session, f, category_id=category.id, blocks_card=True)
    with at(14):
        annotations.update_annotation(
            session,
            annotation_id=blocker.id,
            data=AnnotationUpdate(version=blocker.version, status="resolved", resolution="ok"),
            actor="Test",
        )
    return {
        "board": board,
        "phases": (ideas, ranked, doing, done),
        "cards": {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g},
        "bau": bau,
        "category": category,
    }


def report(
    session: Session, story: dict[str, Any], last: date = date(2026, 11, 29), **scope: Any
) -> Report:
    period = Period(date(2026, 11, 2), last, BERLIN)
    with at(30):
        found = Report(session, Scope(story["board"], period, **scope))
        # Everything is computed now, as of the frozen clock.
        found.flow, found.done, found.aging, found.blocked, found.annotation_weeks  # noqa: B018
        found.resolve_days  # noqa: B018
        return found


def test_cumulative_flow_per_day(session: Session, story: dict[str, Any]) -> None:
    ideas, ranked, doing, done = (p.id for p in story["phases"])
    found = report(session, story)
    # Each day's counts at its end (midnight in Berlin, day + 15 hours). The changes: day 0
    # A, D in ideas, B ranked; 1 C created in work, B started; 2 A started, E created; 3 B
    # done, D started, G created in work; 4 B reopened; 5 A done, F created in work; 6 C
    # archived from work (gone); 8 E done; 10 B done; 15 D done; 16 D archived in done (still
    # done); 20 G done; 25 G reopened.
    by_hand = [
        # ideas, ranked, doing, done
        (2, 1, 0, 0),  # day 0, Monday 2 November
        (2, 0, 2, 0),
        (2, 0, 3, 0),
        (1, 0, 4, 1),
        (1, 0, 5, 0),
        (1, 0, 5, 1),  # day 5
        (1, 0, 4, 1),
        (1, 0, 4, 1),
        (0, 0, 4, 2),
        (0, 0, 4, 2),
        (0, 0, 3, 3),  # day 10
        (0, 0, 3, 3),
        (0, 0, 3, 3),
        (0, 0, 3, 3),
        (0, 0, 3, 3),
        (0, 0, 2, 4),  # day 15
        (0, 0, 2, 4),
        (0, 0, 2, 4),
        (0, 0, 2, 4),
        (0, 0, 2, 4),
        (0, 0, 1, 5),  # day 20
        (0, 0, 1, 5),
        (0, 0, 1, 5),
        (0, 0, 1, 5),
        (0, 0, 1, 5),
        (0, 0, 2, 4),  # day 25
        (0, 0, 2, 4),
        (0, 0, 2, 4),  # day 27, Sunday 29 November
    ]
    expected = [
        (
            date(2026, 11, 2) + timedelta(days=offset),
            {
                phase: count
                for phase, count in zip((ideas, ranked, doing, done), row, strict=True)
                if count
            },
        )
        for offset, row in enumerate(by_hand)
    ]
    assert [(day, dict(counts)) for day, counts in found.flow] == expected


def test_throughput_lead_and_cycle_times(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    letters = {c.id: name for name, c in story["cards"].items()}
    # A done day 5, E day 8, B day 10 (its first completion on day 3 was undone), D day 15;
    # G was done on day 20 but back in work on day 25.
    assert [letters[c.card_id] for c in found.done] == ["a", "e", "b", "d"]
    assert found.throughput == [
        (date(2026, 11, 2), 1),
        (date(2026, 11, 9), 2),
        (date(2026, 11, 16), 1),
        (date(2026, 11, 23), 0),
    ]
    assert sorted(found.lead_times) == [5, 6, 10, 15]
    # Cycle: A 2→5, E skipped work (0), B first started on day 1 → 10, D 3→15.
    assert sorted(found.cycle_times) == [0, 3, 9, 12]
    assert percentiles(found.lead_times) == (6, 15, 15)
    assert percentiles(found.cycle_times) == (3, 12, 12)


def percentiles(values: list[float]) -> tuple[float | None, ...]:
    from app.reports.figures import distribution

    return tuple(distribution(values).values())


def test_a_completion_counts_as_of_the_end_of_the_period(
    session: Session, story: dict[str, Any]
) -> None:
    # Up to Sunday 22 November, G (done on day 20) had not been reopened yet.
    found = report(session, story, last=date(2026, 11, 22))
    assert [count for _, count in found.throughput] == [1, 2, 2]


def test_time_in_phase_and_aging(session: Session, story: dict[str, Any]) -> None:
    doing = story["phases"][2].id
    found = report(session, story)
    # Stays in "In Umsetzung" that ended: B 2 (1→3), A 3, C 5 (archived), B 6 (4→10), D 12,
    # G 17 (3→20).
    assert sorted(found.time_in_phase[doing]) == [2, 3, 5, 6, 12, 17]
    assert percentiles(found.time_in_phase[doing]) == (5, 17, 17)
    cards_ = story["cards"]
    # F in work since day 5, G since day 25 (not counting its earlier stay).
    assert [(a.card_id, a.days, a.usual, a.over) for a in found.aging] == [
        (cards_["f"].id, END - 5, 17, True),
        (cards_["g"].id, pytest.approx(END - 25), 17, False),
    ]


def test_blocked_share(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    blocked, working = found.blocked[""]
    # In work (In Umsetzung) within the period: A 3, B 2 + 6, C 5, D 12, F 22.625, G 17 +
    # 2.625 = 70.25 days; F was blocked from day 10 to day 14.
    assert working == timedelta(days=70.25)
    assert blocked == timedelta(days=4)


def test_annotations_per_week_and_time_to_resolve(session: Session, story: dict[str, Any]) -> None:
    category = story["category"].id
    found = report(session, story)
    weeks = [(dict(raised), dict(resolved)) for _, raised, resolved in found.annotation_weeks]
    assert weeks == [
        ({category: 1}, {category: 1}),
        ({category: 1}, {}),
        ({}, {category: 1}),
        ({}, {}),
    ]
    # Resolved after 2 and 4 days.
    assert found.resolve_days == {category: 3}


def test_small_departments_merge_and_filters(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    rows = {group.key: (group.name, done, wip) for group, done, _, _, wip in found.per_group()}
    bau = str(story["bau"].id)
    # The Kämmerei has one lotse, the Ordnungsamt two: only merged as "weitere Fachbereiche".
    assert rows == {
        bau: ("Bauamt", 3, 0),
        OTHERS: ("Weitere Fachbereiche", 1, 0),
        "ohne": ("Ohne Fachbereich", 0, 2),
    }
    merged = report(session, story, department=OTHERS)
    letters = {c.id: name for name, c in story["cards"].items()}
    assert sorted(letters[p.card_id] for p in merged.paths) == ["c", "e"]
    tagged = report(session, story, tag="ozg")
    assert [letters[c.card_id] for c in tagged.done] == ["a", "e"]


def test_a_merged_group_too_small_takes_in_the_smallest_large_department(
    session: Session,
) -> None:
    sizes = {"Bauamt": 3, "Bürgerbüro": 4, "Kämmerei": 1, "Schulen": 0}
    made = {}
    for number, (name, lotsen) in enumerate(sizes.items()):
        made[name] = make_department(session, name=name, code=f"D{number}")
        for _ in range(lotsen):
            make_lotse(session, department_id=made[name].id)
    found = {group.key: group.department_ids for group in groups(session)}
    # The Kämmerei's one lotse alone would be "weitere": the Bauamt (3) joins it.
    assert found == {
        str(made["Bürgerbüro"].id): {made["Bürgerbüro"].id},
        OTHERS: {made["Bauamt"].id, made["Kämmerei"].id, made["Schulen"].id},
        "ohne": {None},
    }
    # A department without lotsen is nobody's figures: no need to merge more for it.
    session.delete(
        next(iter(session.exec(select(Lotse).where(Lotse.department_id == made["Kämmerei"].id))))
    )
    session.commit()
    found = {group.key: group.department_ids for group in groups(session)}
    assert set(found) == {str(made["Bauamt"].id), str(made["Bürgerbüro"].id), OTHERS, "ohne"}


def test_an_undone_move_leaves_the_stay_as_it_was(session: Session) -> None:
    with at(0):
        board = make_board(session)
    _ideas, _ranked, doing, done = phases_of(session, board)
    card = created(session, board, doing, 0)
    with at(20):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=done.id, position=0, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor="Test")
        seq = session.get(Board, board.id).last_seq  # type: ignore[union-attr]
    with at(20.0001):
        undo.undo(session, board_id=board.id, seq=seq, actor="Test")
    found = report(session, {"board": board})
    # Still in work since day 0, as the card's face says; no stay in done, none ended.
    assert [round(item.days, 3) for item in found.aging] == [END]
    assert found.time_in_phase == {}
    assert found.done == []


def restore(session: Session, card: Card, when: float) -> None:
    with at(when):
        current = session.get(Card, card.id)
        assert current is not None
        cards.restore_card(session, card_id=current.id, version=current.version, actor="Test")


def test_a_measure_restored_from_the_archive(session: Session) -> None:
    with at(-1):
        board = make_board(session)
    _ideas, _ranked, doing, done = phases_of(session, board)
    # X: in work, archived on day 2 (it leaves the flow), restored on day 5, done on day 7.
    x = created(session, board, doing, 0)
    archive(session, x, 2)
    restore(session, x, 5)
    move(session, x, done, 7)
    # Y: done on day 1, archived there on day 3 (still done), restored on day 4: still the
    # one completion of day 1, not a second one.
    y = created(session, board, doing, 0)
    move(session, y, done, 1)
    archive(session, y, 3)
    restore(session, y, 4)
    found = report(session, {"board": board})
    by_hand = [(2, 0), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (1, 1)] + [(0, 2)] * 21
    expected = [
        (
            date(2026, 11, 2) + timedelta(days=offset),
            {p: n for p, n in ((doing.id, in_work), (done.id, finished)) if n},
        )
        for offset, (in_work, finished) in enumerate(by_hand)
    ]
    assert [(d, dict(counts)) for d, counts in found.flow] == expected
    assert [(c.card_id, c.lead_days, c.cycle_days) for c in found.done] == [
        (y.id, 1, 1),
        (x.id, 7, 7),
    ]
    # Y in the week of 2 November, X on Monday 9 November.
    assert [count for _, count in found.throughput] == [1, 1, 0, 0]
    # Archiving ends a stay: X in work 0→2 and 5→7, Y 0→1; Y in done 1→3.
    assert sorted(found.time_in_phase[doing.id]) == [1, 2, 2]
    assert found.time_in_phase[done.id] == [2]
    # In work: X 2 + 2 days (not while archived), Y 1 day.
    assert found.blocked[""] == (timedelta(0), timedelta(days=5))
    assert found.aging == []


@pytest.fixture
def minimum() -> Iterator[Callable[[int | None], None]]:
    """Set LOTSENBOARD_REPORT_MIN_LOTSEN (None: unset) as an administrator would."""
    with pytest.MonkeyPatch.context() as patch:

        def set_to(value: int | None) -> None:
            if value is None:
                patch.delenv("LOTSENBOARD_REPORT_MIN_LOTSEN", raising=False)
            else:
                patch.setenv("LOTSENBOARD_REPORT_MIN_LOTSEN", str(value))
            get_settings.cache_clear()

        yield set_to
    get_settings.cache_clear()


def test_the_minimum_of_lotsen_per_department_is_configurable(
    session: Session, minimum: Callable[[int | None], None]
) -> None:
    sizes = {"Bauamt": 3, "Ordnungsamt": 2, "Kämmerei": 1, "Schulamt": 1}
    made = {}
    for number, (name, lotsen) in enumerate(sizes.items()):
        made[name] = make_department(session, name=name, code=f"D{number}")
        for _ in range(lotsen):
            make_lotse(session, department_id=made[name].id)
    ids = {name: department.id for name, department in made.items()}

    def shown() -> dict[str, tuple[str, set[int | None]]]:
        return {g.key: (g.name, set(g.department_ids)) for g in groups(session)}

    minimum(None)
    assert get_settings().report_min_lotsen == 3
    # By default the Ordnungsamt's two lotsen are too few: merged with the one-lotse ones.
    assert shown() == {
        str(ids["Bauamt"]): ("Bauamt", {ids["Bauamt"]}),
        OTHERS: ("Weitere Fachbereiche", {ids["Ordnungsamt"], ids["Kämmerei"], ids["Schulamt"]}),
        "ohne": ("Ohne Fachbereich", {None}),
    }
    minimum(2)
    # With a minimum of 2 it stands alone; the Kämmerei and the Schulamt (1 + 1) are merged.
    assert shown() == {
        str(ids["Bauamt"]): ("Bauamt", {ids["Bauamt"]}),
        str(ids["Ordnungsamt"]): ("Ordnungsamt", {ids["Ordnungsamt"]}),
        OTHERS: ("Weitere Fachbereiche", {ids["Kämmerei"], ids["Schulamt"]}),
        "ohne": ("Ohne Fachbereich", {None}),
    }
    minimum(4)
    # The small ones (2 + 1 + 1) reach 4 together; the Bauamt's 3 do not stand alone.
    assert set(shown()) == {OTHERS, "ohne"}
    assert shown()[OTHERS][1] == set(ids.values())


def test_lengths_of_time_across_the_change_to_summer_time() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), BERLIN)
    with clock.frozen_at(datetime(2026, 4, 15, tzinfo=UTC)):
        # 1 March 00:00 CET to 1 April 00:00 CEST: 31 days less the hour the clocks skipped.
        assert period.end - period.start == timedelta(days=31, hours=-1)
        weeks = period.weeks()
        assert weeks[0][1] == period.start
        assert sum((end - start for _, start, end in weeks), timedelta(0)) == timedelta(
            days=31, hours=-1
        )
