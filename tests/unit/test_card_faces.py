"""Card faces are rendered once per distinct look: whatever changes what a face shows gives
the face as rendered afresh, never one kept from before."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from app import clock
from app.annotations.queries import CardMarks
from app.cards.queries import CardRow
from app.web import templating
from app.web.i18n import speaking

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _card(**changes: object) -> CardRow:
    card = CardRow(
        id=7,
        board_id=1,
        phase_id=2,
        position=0,
        title="Digitaler Bauantrag",
        description="",
        department_id=3,
        lotse_id=4,
        priority="normal",
        size="M",
        due_date=date(2026, 12, 10),
        archived=False,
        version=1,
        created_at=NOW,
        updated_at=NOW,
        phase_since=NOW - timedelta(days=2),
        tags=["OZG"],
    )
    return replace(card, **changes)


def _both(card: CardRow, look: dict[str, object]) -> tuple[str, str]:
    args = (
        card,
        look["departments"],
        look["lotsen"],
        look["marks"],
        look["stuck_after"],
        look["qs"],
        look["done"],
        look["readonly"],
    )
    return str(templating.card_face(*args)), str(templating._card_macro()(*args))


def test_every_change_of_what_a_face_shows_gives_a_fresh_face() -> None:
    department = SimpleNamespace(id=3, name="Bauamt", code="BA", colour="#1f6f8b")
    lotse = SimpleNamespace(id=4, name="Jana Kuhn")
    look: dict[str, object] = {
        "departments": {3: department},
        "lotsen": {4: lotse},
        "marks": {},
        "stuck_after": 21,
        "qs": "?view=all",
        "done": False,
        "readonly": False,
    }
    changes = [
        ("as it is", _card(), {}),
        ("the same again", _card(), {}),
        ("title", _card(title="Bauantrag online", version=2), {}),
        ("priority", _card(priority="urgent"), {}),
        ("tags", _card(tags=["OZG", "Förderung"]), {}),
        ("due date", _card(due_date=date(2026, 11, 1)), {}),
        (
            "department renamed",
            _card(),
            {"departments": {3: replace_ns(department, name="Amt 60")}},
        ),
        (
            "department colour",
            _card(),
            {"departments": {3: replace_ns(department, colour="#000000")}},
        ),
        ("lotse renamed", _card(), {"lotsen": {4: replace_ns(lotse, name="Jana Kuhn-Weber")}}),
        ("a concern", _card(), {"marks": {7: _marks(concerns=1)}}),
        ("it blocks", _card(), {"marks": {7: _marks(concerns=1, blocking=1, blocked_by="XBau")}}),
        (
            "another reason",
            _card(),
            {"marks": {7: _marks(concerns=1, blocking=1, blocked_by="DSFA")}},
        ),
        ("stuck", _card(phase_since=NOW - timedelta(days=30)), {}),
        ("a day later, still stuck", _card(phase_since=NOW - timedelta(days=31)), {}),
        ("done phase", _card(phase_since=NOW - timedelta(days=31)), {"done": True}),
        ("another view", _card(), {"qs": "?department=3"}),
        ("the screen", _card(), {"readonly": True}),
    ]
    seen: list[str] = []
    with clock.frozen_at(NOW):
        for name, card, different in changes:
            kept = len(templating._faces)
            cached, fresh = _both(card, {**look, **different})
            if name == "the same again":
                assert len(templating._faces) == kept  # served as rendered before
            assert cached == fresh, name
            if seen:  # each step changes what the step before showed
                assert (cached == seen[-1]) == (name == "the same again"), name
            seen.append(cached)
        # Another language is another face, in that language.
        with speaking("en"):
            english, fresh = _both(_card(priority="urgent"), look)
        assert english == fresh and "Priority: urgent" in english
        german, _fresh = _both(_card(priority="urgent"), look)
        assert "Priorität: dringend" in german


def replace_ns(namespace: SimpleNamespace, **changes: object) -> SimpleNamespace:
    return SimpleNamespace(**{**vars(namespace), **changes})


def _marks(**values: object) -> CardMarks:
    return CardMarks(phase_id=2, **values)  # type: ignore[arg-type]
