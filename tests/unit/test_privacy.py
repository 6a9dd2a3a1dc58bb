"""Data protection: login records and addresses expire, a person who left is anonymised
everywhere (her work stays), and what is stored about a person can be handed to her."""

import base64
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from app import clock
from app.accounts import resets, tokens
from app.accounts import service as accounts
from app.accounts.models import (
    ApiToken,
    LoginFailure,
    LoginSession,
    PasswordReset,
    Role,
    SavedView,
    User,
    UserUpdate,
)
from app.annotations import service as annotations
from app.annotations.models import AnnotationCreate, NoteCreate
from app.backup import service as backup
from app.cards import export
from app.cards import service as cards
from app.cards.models import Card, CardCreate, CardFilter, CardMove, CardUpdate
from app.db import Database
from app.digest import subscriptions
from app.digest.models import DigestDelivery
from app.errors import Conflict
from app.events import service as events
from app.events.models import Event
from app.meetings import service as meetings
from app.meetings import sitting
from app.meetings.models import AgendaItemCreate, EntryKind, SeriesSet
from app.people import service as people
from app.people.models import Lotse, LotseUpdate
from app.privacy import anonymise, disclosure, retention
from app.settings import Settings
from app.web import downloads
from tests.factories import (
    PASSWORD,
    make_board,
    make_card,
    make_department,
    make_lotse,
    make_user,
    phases_of,
)
from tests.helpers import dump, fresh

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
YOUNG = NOW - timedelta(days=5)
BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 11, 3)

NAME = "Jördis Brückner"
ACCOUNT_NAME = "Dr. Jördis Brückner"
EMAIL = "joerdis.brueckner@musterstadt.de"
LOTSE_EMAIL = "Joerdis.Brueckner@Musterstadt.de"
OTHER = "Bernd Kraus"
OTHER_EMAIL = "bernd.kraus@musterstadt.de"
ADMIN = "Dana Weber"


def forms(value: str) -> list[str]:
    """How a value may be stored: as is, and as JSON text with non-ASCII escaped."""
    return sorted({value.lower(), json.dumps(value)[1:-1].lower()})


def cells(db: Database) -> list[tuple[str, str]]:
    """Every stored value of every table, as text: str, JSON (both ways) and repr."""
    found = []
    for table, rows in dump(db).items():
        for row in rows:
            for value in row:
                texts = {str(value), repr(value)}
                if isinstance(value, dict | list):
                    texts |= {json.dumps(value), json.dumps(value, ensure_ascii=False)}
                found += [(table, text.lower()) for text in texts]
    return found


def traces(haystack: list[tuple[str, str]], *values: str) -> list[tuple[str, str]]:
    needles = [form for value in values for form in forms(value)]
    return [(table, text) for table, text in haystack if any(n in text for n in needles)]


def in_text(text: str, *values: str) -> list[str]:
    lowered = text.lower()
    return [form for value in values for form in forms(value) if form in lowered]


# Retention


def _login_records(session: Session, settings: Settings, user: User, ip: str) -> None:
    """A login, a failed one, a token, and a change of the account: each with an address."""
    accounts.start_session(session, user=user, ip=ip)
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(
            session, email=user.email, password="falsch-falsch", ip=ip, settings=settings
        )
    tokens.create_token(session, user=user, name=f"Token {ip}", ip=ip)
    accounts.update_user(
        session, user_id=user.id or 0, data=UserUpdate(name=f"Person {ip}"), actor=ADMIN, ip=ip
    )


@pytest.fixture
def records(session: Session, settings: Settings) -> dict[str, Any]:
    """Login records and addressed events from 40 days ago and from 5 days ago."""
    with clock.frozen_at(OLD):
        user = make_user(session, name="Carla Ost")
        _login_records(session, settings, user, "192.0.2.1")
        old_login = session.exec(select(LoginSession)).one()
        accounts.end_session(session, login_id=old_login.id or 0, actor=user.name)
        used = resets.create_reset(session, user=user, actor=ADMIN, hours=24, ip="192.0.2.1")
        resets.use_reset(session, plain=used, password=PASSWORD + "!", ip="192.0.2.1")
        resets.create_reset(session, user=user, actor=ADMIN, hours=24)  # expired by now
        resets.create_reset(session, user=user, actor=ADMIN, hours=24 * 60)  # still valid
        # A login of long ago that was in use lately.
        lately = LoginSession(
            token_hash="b" * 64, user_id=user.id or 0, csrf_token="c", ip="192.0.2.3"
        )
        session.add(lately)
        session.commit()
    lately.last_seen_at = YOUNG
    session.add(lately)
    session.commit()
    with clock.frozen_at(YOUNG):
        _login_records(session, settings, user, "192.0.2.2")
    return {"user": user, "old_login": old_login, "lately": lately}


def _payloads(session: Session, type: str) -> list[dict[str, Any]]:
    rows = session.exec(select(Event).where(Event.type == type).order_by(col(Event.id)))
    return [event.payload for event in rows]


def test_purge_deletes_old_login_records_and_strips_old_addresses(
    session: Session, records: dict[str, Any]
) -> None:
    before = events.instance_seq(session)
    purged = retention.purge(session, now=NOW, days=30)

    # Addresses: the account's creation, the old token, its change, three reset links, the reset.
    assert purged == retention.Purged(sessions=1, failures=1, resets=2, login_events=3, addresses=7)
    fresh(session)
    assert {s.ip for s in session.exec(select(LoginSession))} == {"192.0.2.2", "192.0.2.3"}
    assert [f.ip for f in session.exec(select(LoginFailure))] == ["192.0.2.2"]
    kept = session.exec(select(PasswordReset)).one()
    assert kept.used_at is None and kept.expires_at > NOW
    login_events = session.exec(
        select(Event).where(col(Event.type).in_(retention.LOGIN_EVENTS))
    ).all()
    assert sorted((e.type, e.payload.get("ip")) for e in login_events) == [
        ("auth.login", "192.0.2.2"),
        ("auth.login_failed", "192.0.2.2"),
    ]
    # The history of who changed what stays, without the old addresses.
    updated = _payloads(session, accounts.USER_UPDATED)
    assert [p.get("ip") for p in updated] == [None, "192.0.2.2"]
    assert updated[0]["after"] == {"name": "Person 192.0.2.1"}
    assert [p.get("ip") for p in _payloads(session, tokens.TOKEN_CREATED)] == [None, "192.0.2.2"]
    assert all("ip" not in p for p in _payloads(session, resets.RESET_CREATED))
    assert all("ip" not in p for p in _payloads(session, resets.RESET_USED))

    log = session.exec(select(Event).where(Event.type == retention.PRIVACY_PURGED)).one()
    assert log.board_id is None and log.actor == retention.ACTOR
    assert log.seq == before + 1
    assert log.payload == {
        "sessions": 1,
        "failures": 1,
        "resets": 2,
        "login_events": 3,
        "addresses": 7,
    }

    # Nothing left to purge: nothing logged either.
    assert retention.purge(session, now=NOW, days=30).total == 0
    assert len(_payloads(session, retention.PRIVACY_PURGED)) == 1


def test_a_longer_retention_keeps_everything(session: Session, records: dict[str, Any]) -> None:
    everything = len(session.exec(select(Event)).all())
    assert retention.purge(session, now=NOW, days=60) == retention.Purged()
    assert len(session.exec(select(Event)).all()) == everything


def test_the_newest_instance_wide_event_is_kept_so_no_seq_is_handed_out_twice(
    session: Session,
) -> None:
    with clock.frozen_at(OLD):
        user = make_user(session)
        accounts.start_session(session, user=user, ip="192.0.2.9")
    newest = events.instance_seq(session)
    retention.purge(session, now=NOW, days=30)
    fresh(session)
    seqs = [e.seq for e in events.list_global_events(session)]
    assert seqs[-2] == newest  # the old login stays, without its address
    login = session.exec(select(Event).where(Event.type == accounts.LOGIN)).one()
    assert login.payload == {"user_id": user.id}
    assert seqs[-1] == newest + 1  # privacy.purged, after every seq handed out before


def test_only_the_process_holding_the_lease_purges(
    session: Session, db: Database, settings: Settings, records: dict[str, Any]
) -> None:
    with clock.frozen_at(NOW):
        assert retention.tick(db, settings, who="worker-a") is not None
        with clock.frozen_at(OLD):
            accounts.start_session(session, user=records["user"], ip="192.0.2.5")
        # Another worker finds the lease taken and does nothing.
        assert retention.tick(db, settings, who="worker-b") is None
        fresh(session)
        assert "192.0.2.5" in {s.ip for s in session.exec(select(LoginSession))}
        # The holder's next look purges what became old.
        found = retention.tick(db, settings, who="worker-a")
    assert found is not None and found.sessions == 1
    fresh(session)
    assert "192.0.2.5" not in {s.ip for s in session.exec(select(LoginSession))}
    # Once the lease has run out, another worker takes over.
    with clock.frozen_at(NOW + timedelta(seconds=retention.LEASE_SECONDS + 1)):
        assert retention.tick(db, settings, who="worker-b") is not None


def test_retention_days_is_a_setting(settings: Settings) -> None:
    assert settings.retention_days == 30
    assert Settings(retention_days=7).retention_days == 7
    with pytest.raises(ValueError):
        Settings(retention_days=0)


# Anonymisation


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def world(session: Session, settings: Settings) -> dict[str, Any]:
    """Jördis, a lotse with an account, and Bernd, another; their board, cards, concerns, a
    Lotsentreffen, the digest, logins: everything that stores a person's name or address."""
    with clock.frozen_at(at(10, 20)):
        admin = make_user(session, role=Role.admin, name=ADMIN, email="cdo@musterstadt.de")
        bau = make_department(session, name="Bauamt", code="BA")
        lotse = make_lotse(session, name=NAME, email=LOTSE_EMAIL, department_id=bau.id)
        user = make_user(session, name=ACCOUNT_NAME, email=EMAIL, role=Role.lotse)
        assert user.lotse_id == lotse.id
        people.update_lotse(
            session, lotse_id=lotse.id or 0, data=LotseUpdate(email=EMAIL), actor=ADMIN
        )
        other_lotse = make_lotse(session, name=OTHER, email=OTHER_EMAIL, department_id=bau.id)
        other = make_user(session, name=OTHER, email=OTHER_EMAIL, role=Role.lotse)
        board = make_board(session, name="Maßnahmen 2026")
        phases = [phase.id or 0 for phase in phases_of(session, board)]
        rhythm = SeriesSet(first_date=FIRST, start_time=time(10, 0))
        meetings.set_series(session, board_id=board.id or 0, data=rhythm, actor=ADMIN)
    with clock.frozen_at(at(10, 28)):
        portal = cards.create_card(
            session,
            board_id=board.id or 0,
            data=CardCreate(
                title="Bauportal", phase_id=phases[0], lotse_id=lotse.id, department_id=bau.id
            ),
            actor=ACCOUNT_NAME,
        )
        wohngeld = cards.create_card(
            session,
            board_id=board.id or 0,
            data=CardCreate(title="Wohngeld online", phase_id=phases[0], lotse_id=other_lotse.id),
            actor=OTHER,
        )
        portal = cards.move_card(
            session,
            card_id=portal.id or 0,
            move=CardMove(phase_id=phases[1], position=0, version=portal.version),
            actor=ACCOUNT_NAME,
        )
        cards.update_card(
            session,
            card_id=portal.id or 0,
            data=CardUpdate(
                version=portal.version,
                description=(
                    f"Rückfragen an {NAME} ({EMAIL}); Vertretung: {OTHER}. Laut Frau Brückner "
                    "und Herrn Kraus fertig (Protokoll: Brückner, Jördis; J. Brückner)."
                ),
            ),
            actor=OTHER,
        )
        concern = annotations.raise_annotation(
            session,
            card_id=wohngeld.id or 0,
            data=AnnotationCreate(
                kind="concern", text="Datenschutz ungeklärt", raised_by_id=lotse.id
            ),
            actor=ACCOUNT_NAME,
        )
        annotations.add_note(
            session,
            annotation_id=concern.id or 0,
            data=NoteCreate(text=f"{NAME}s Vorschlag: erst den DSB fragen."),
            actor=OTHER,
        )
    with clock.frozen_at(at(11, 2)):
        topic = meetings.add_item(
            session,
            board_id=board.id or 0,
            day=FIRST,
            data=AgendaItemCreate(title=f"Schnittstelle ({NAME})", card_id=portal.id),
            actor=ACCOUNT_NAME,
        )
    with clock.frozen_at(at(11, 3, 9, 55)):
        sitting.start(session, board=board, day=FIRST, actor=ADMIN)
    with clock.frozen_at(at(11, 3, 10, 5)):
        for person in (lotse, other_lotse):
            sitting.attend(
                session, board=board, day=FIRST, lotse_id=person.id, present=True, actor=ADMIN
            )
        sitting.add_entry(
            session,
            board=board,
            day=FIRST,
            key=f"t{topic.id}",
            kind=EntryKind.action,
            text=f"{NAME} klärt die Schnittstelle mit {OTHER}.",
            lotse_id=lotse.id,
            due_date=date(2026, 11, 30),
            actor=OTHER,
        )
    with clock.frozen_at(at(11, 20)):
        subscriptions.choose(
            session,
            user=user,
            choice=subscriptions.Choice(True, [board.id or 0], [], False, "de"),
            board_ids={board.id or 0},
        )
        session.add(
            DigestDelivery(recipient=f"u{user.id}", week="2026-W47", email=EMAIL, status="sent")
        )
        session.add(SavedView(user_id=user.id or 0, board_id=board.id or 0, query="lotse=1"))
        session.commit()
        # Through the town hall's provider: its ID token names her, base64-encoded.
        claims = base64.urlsafe_b64encode(json.dumps({"name": NAME}).encode()).decode()
        accounts.start_session(
            session, user=user, ip="198.51.100.7", id_token=f"eyJhbGciOiJSUzI1NiJ9.{claims}.sig"
        )
        accounts.start_session(session, user=other, ip="203.0.113.9")
        with pytest.raises(accounts.InvalidCredentials):
            accounts.authenticate(
                session, email=EMAIL, password="falsch-falsch", ip="198.51.100.8", settings=settings
            )
        tokens.create_token(session, user=user, name=f"Laptop {NAME}", ip="198.51.100.7")
        tokens.create_screen_link(
            session, board_id=board.id or 0, name="Besprechungsraum", actor=ACCOUNT_NAME
        )
        resets.create_reset(session, user=user, actor=ADMIN, hours=24, ip="203.0.113.1")
    return {
        "admin": admin,
        "user": user,
        "lotse": lotse,
        "other": other,
        "other_lotse": other_lotse,
        "board": board,
        "portal": portal,
        "wohngeld": wohngeld,
    }


def test_anonymising_replaces_her_name_and_address_everywhere_and_keeps_her_work(
    session: Session, db: Database, world: dict[str, Any]
) -> None:
    user, lotse, portal = world["user"], world["lotse"], world["portal"]
    assert traces(cells(db), NAME, EMAIL)  # the search finds her before
    history = len(events.list_card_events(session, card_id=portal.id))

    pseudonym = anonymise.anonymise(session, user_id=user.id, actor=ADMIN)

    fresh(session)
    found = session.exec(select(Event).where(Event.type == anonymise.PERSON_ANONYMISED)).one()
    n = found.seq
    assert pseudonym == f"Ehemalige Person {n}"
    assert found.board_id is None and found.actor == ADMIN
    assert found.payload == {"user_id": user.id, "lotse_id": lotse.id, "pseudonym": pseudonym}

    haystack = cells(db)
    assert traces(haystack, NAME, ACCOUNT_NAME, EMAIL, LOTSE_EMAIL) == []
    assert traces(haystack, "Jördis") == []
    # Her surname where it names her is gone too; standing alone it may be a word.
    assert traces(haystack, "Frau Brückner", "Brückner,", "J. Brückner") == []
    assert traces(haystack, "Herrn Kraus")
    # The other person is untouched, and her work stays hers under the pseudonym.
    assert traces(haystack, OTHER)
    assert traces(haystack, OTHER_EMAIL)
    assert len(events.list_card_events(session, card_id=portal.id)) == history
    assert traces(haystack, pseudonym)

    account = session.get(User, user.id)
    assert account is not None
    assert (account.name, account.email) == (pseudonym, f"anonym-{n}@anonym.invalid")
    assert not account.active and account.password_hash == "!"
    assert account.external_id is None and account.anonymised_at is not None
    record = session.get(Lotse, lotse.id)
    assert record is not None
    assert (record.name, record.email, record.active) == (pseudonym, None, False)
    assert record.anonymised_at is not None
    logins = session.exec(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert logins and all(s.revoked_at is not None and s.id_token is None for s in logins)
    assert all(
        t.revoked_at is not None
        for t in session.exec(select(ApiToken).where(ApiToken.user_id == user.id))
    )
    assert session.exec(select(PasswordReset).where(PasswordReset.user_id == user.id)).all() == []
    assert session.exec(select(SavedView).where(SavedView.user_id == user.id)).all() == []
    assert session.exec(select(LoginFailure)).all() == []
    # Her card is still hers, the genitive went with the name, the note says whose idea it was.
    assert session.get(type(portal), portal.id).lotse_id == lotse.id  # type: ignore[union-attr]
    notes = [
        e.payload["note"]["text"]
        for e in events.list_card_events(session, card_id=world["wohngeld"].id)
        if "note" in e.payload
    ]
    assert notes == [f"{pseudonym}s Vorschlag: erst den DSB fragen."]
    # Another person's login stays as it was.
    assert (
        session.exec(select(LoginSession).where(LoginSession.user_id == world["other"].id))
        .one()
        .revoked_at
        is None
    )


def test_the_exports_hold_no_trace_of_her_after_anonymising(
    session: Session, world: dict[str, Any]
) -> None:
    pseudonym = anonymise.anonymise(session, lotse_id=world["lotse"].id, actor=ADMIN)
    fresh(session)
    whole = backup.dumps(backup.export_all(session, revision="test", with_accounts=True))
    assert in_text(whole, NAME, EMAIL, "Jördis") == []
    assert pseudonym in whole and OTHER in whole
    table = export.board_table(session, board=world["board"], filters=CardFilter())
    csv = downloads.to_csv(table).decode("utf-8-sig")
    assert in_text(csv, NAME, EMAIL, "Jördis") == []
    assert pseudonym in csv and OTHER in csv


def test_a_lotse_without_account_is_anonymised_alone(session: Session, settings: Settings) -> None:
    make_user(session, role=Role.admin, name=ADMIN)
    lotse = make_lotse(session, name="Ole Sand", email="ole.sand@musterstadt.de")
    keep = make_lotse(session, name="Ole Sandmann")
    found = disclosure.disclose(session, lotse_id=lotse.id, settings=settings)
    assert found["account"] is None and found["lotse"]["email"] == "ole.sand@musterstadt.de"
    assert [e["type"] for e in found["events_about_her"]] == ["lotse.created"]
    pseudonym = anonymise.anonymise(session, lotse_id=lotse.id, actor=ADMIN)
    fresh(session)
    assert session.get(Lotse, lotse.id).name == pseudonym  # type: ignore[union-attr]
    # A whole name only: another person whose name begins the same keeps hers.
    assert session.get(Lotse, keep.id).name == "Ole Sandmann"  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already"):
        anonymise.anonymise(session, lotse_id=lotse.id, actor=ADMIN)
    # A second person gets another pseudonym.
    second = anonymise.anonymise(session, lotse_id=keep.id, actor=ADMIN)
    assert second != pseudonym and second.startswith("Ehemalige Person ")


def test_a_colleague_with_her_surname_keeps_the_mentions_that_may_be_his(
    session: Session,
) -> None:
    make_user(session, role=Role.admin, name=ADMIN)
    jana = make_lotse(session, name="Jana Kuhn")
    make_lotse(session, name="Max Kuhn")
    board = make_board(session)
    card = make_card(
        session, board, description="Herr Kuhn fragt, Frau Jana Kuhn antwortet; Kuhn, Jana."
    )

    pseudonym = anonymise.anonymise(session, lotse_id=jana.id, actor=ADMIN)

    fresh(session)
    found = session.get(Card, card.id)
    assert found is not None
    assert found.description == f"Herr Kuhn fragt, {pseudonym} antwortet; {pseudonym}."


def test_the_last_active_admin_cannot_be_anonymised(session: Session, db: Database) -> None:
    admin = make_user(session, role=Role.admin, name=ADMIN)
    before = dump(db)
    with pytest.raises(Conflict, match="last active admin"):
        anonymise.anonymise(session, user_id=admin.id, actor=ADMIN)
    session.rollback()
    assert dump(db) == before
    second = make_user(session, role=Role.admin, name="Eva Nord")
    anonymise.anonymise(session, user_id=second.id, actor=ADMIN)
    with pytest.raises(Conflict, match="already"):
        anonymise.anonymise(session, user_id=second.id, actor=ADMIN)


def test_a_replacer_matches_whole_names_and_addresses_in_any_case() -> None:
    replacer = anonymise.Replacer(
        names=["Anna Berg"], emails=["anna@x.de"], pseudonym="P 1", address="a1@anonym.invalid"
    )
    assert replacer.text("anna berg, Anna Bergs Idee, Anna Berg-Stein, Anna Bergmann") == (
        "P 1, P 1s Idee, Anna Berg-Stein, Anna Bergmann"
    )
    assert replacer.text("Mail: ANNA@x.de, joanna@x.de, anna@x.dev") == (
        "Mail: P 1, joanna@x.de, anna@x.dev"
    )
    assert replacer.text(
        "Frau Berg, frau berg, Fr.Berg, Herrn Dr. Berg, Frau Prof. Dr. Anna Berg, Berg, Anna; "
        "A. Berg, Frau Bergmann, Frau Berg-Stein, B. Berg, am Berg, Herr Weber"
    ) == (
        "P 1, P 1, P 1, P 1, P 1, P 1; P 1, Frau Bergmann, Frau Berg-Stein, B. Berg, am Berg, "
        "Herr Weber"
    )
    assert anonymise.Replacer(
        names=["Dr. Anna Berg"], emails=[], pseudonym="P 2", address="a2@anonym.invalid"
    ).text("Berg, Anna; A. Berg; Herrn Berg") == ("P 2; P 2; P 2")
    # Where someone else is a Berg too, "Frau Berg" may be her: only the given name decides.
    text = "Frau Berg, Frau Anna Berg, Berg, Anna, A. Berg, Berg, Axel"
    kept = anonymise.Replacer(
        names=["Anna Berg"], emails=[], pseudonym="P", address="a@x", keep=["Max Berg"]
    )
    assert kept.text(text) == "Frau Berg, P, P, P, Berg, Axel"
    kept = anonymise.Replacer(
        names=["Anna Berg"], emails=[], pseudonym="P", address="a@x", keep=["Dr. Axel Berg"]
    )
    assert kept.text(text) == "Frau Berg, P, P, A. Berg, Berg, Axel"
    assert replacer.json(
        {"after": {"email": "anna@x.de", "name": "Anna Berg"}, "Anna Berg": [1]}
    ) == {
        "after": {"email": "a1@anonym.invalid", "name": "P 1"},
        "P 1": [1],
    }


# Disclosure (Art. 15)


def test_the_disclosure_holds_her_data_and_nobody_elses(
    session: Session, settings: Settings, world: dict[str, Any]
) -> None:
    found = disclosure.disclose(session, user_id=world["user"].id, settings=settings)
    text = json.dumps(found, ensure_ascii=False)
    assert json.loads(text) == found

    assert found["account"]["email"] == EMAIL and found["account"]["name"] == ACCOUNT_NAME
    assert "password_hash" not in text and "token_hash" not in text
    assert found["lotse"]["name"] == NAME and found["lotse"]["department"] == "Bauamt"
    assert [s["ip"] for s in found["login_sessions"]] == ["198.51.100.7"]
    assert [f["ip"] for f in found["login_failures"]] == ["198.51.100.8"]
    assert [t["name"] for t in found["api_tokens"]] == [f"Laptop {NAME}"]
    assert len(found["password_resets"]) == 1
    assert found["saved_views"] == [{"query": "lotse=1", "board": "Maßnahmen 2026"}]
    assert found["digest_subscription"]["boards"] == ["Maßnahmen 2026"]
    assert [d["week"] for d in found["digest_deliveries"]] == ["2026-W47"]
    assert [(c["title"], c["phase"], c["department"]) for c in found["cards"]] == [
        ("Bauportal", found["cards"][0]["phase"], "Bauamt")
    ]
    assert [a["text"] for a in found["annotations"]] == ["Datenschutz ungeklärt"]
    assert [i["title"] for i in found["agenda_items"]] == [f"Schnittstelle ({NAME})"]
    # What she was given to do, with the other person blacked out.
    assert [(e["assigned"], e["text"]) for e in found["meeting_entries"]] == [
        (True, f"{NAME} klärt die Schnittstelle mit […].")
    ]
    assert found["meetings"][0]["present"] is True
    assert [s["name"] for s in found["screen_links_created"]] == ["Besprechungsraum"]
    caused = {e["type"] for e in found["events_caused"]}
    assert {"card.created", "card.moved", "annotation.raised", "auth.login"} <= caused
    assert all("payload" not in e for e in found["events_caused"])
    about = {e["type"] for e in found["events_about_her"]}
    assert {"user.created", "auth.login", "token.created", "lotse.created"} <= about
    assert {"user.password_reset_created", "lotse.updated", "digest.chosen"} <= about
    assert found["retention"] == {"retention_days": settings.retention_days}

    # Nobody else: not the other lotse, not the admin, not their addresses.
    assert in_text(text, OTHER, OTHER_EMAIL, ADMIN, "cdo@musterstadt.de") == []
    assert "203.0.113" not in text  # the other login's and the admin's addresses
