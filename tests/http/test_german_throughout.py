"""German throughout: every page and every form error a person can see comes from the catalogue.

Each page route is rendered, and each form route is sent bad input, with the language set to
German; the visible text (text nodes, the attributes people read or hear, the messages of
`HX-Trigger`) must hold no English message of the catalogue, no English sentence and none of
pydantic's English. A new route fails here until it is listed with what to render or send.
"""

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.accounts import resets, tokens
from app.accounts.models import Role, User
from app.cards import service as cards
from app.cards.models import CardMove
from app.db import Database
from app.digest.models import DeliveryStatus, DigestDelivery, DigestSubscription
from app.imports import views as import_views
from app.main import all_routes
from app.meetings import service as meetings
from app.meetings import sitting
from app.meetings.models import EntryKind, MeetingAdd, SeriesSet
from app.settings import Settings
from tests.factories import (
    ACTOR,
    PASSWORD,
    make_annotation,
    make_board,
    make_card,
    make_category,
    make_department,
    make_lotse,
    make_user,
    phases_of,
)
from tests.helpers import dump

HX = {"HX-Request": "true"}
PAGE = {"Accept": "text/html,application/xhtml+xml"}  # what a browser's form post sends
CATALOGUE = Path(__file__).parents[2] / "app/translations/de/LC_MESSAGES/messages.po"

# Read aloud or shown on hover: as much the page's text as its text nodes.
READ_ATTRIBUTES = {"title", "aria-label", "aria-description", "placeholder", "alt"}
BUTTON_TYPES = {"submit", "button", "reset"}
# Words German never uses; any one of them in the visible text is English that slipped through.
ENGLISH_WORDS = {
    "the", "is", "are", "cannot", "please", "must", "exists", "already", "should", "this",
    "that", "you", "your", "of", "to", "with", "not", "and", "for", "least", "characters",
    "required", "invalid", "been", "does", "which", "there", "field", "value", "input",
}  # fmt: skip
PYDANTIC = ("String should", "Input should", "Field required", "Value error", "Extra inputs")


class VisibleText(HTMLParser):
    """Text nodes and read attributes outside script and style, and outside parts marked as
    another language (lang="en": the language switch names English in English)."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        foreign = "lang" in values and not values["lang"].startswith("de")
        hidden = self._hidden() or tag in ("script", "style") or foreign
        if not hidden:
            self.texts += [values[name] for name in READ_ATTRIBUTES if values.get(name)]
            self.texts += [v for name, v in values.items() if name.startswith("data-msg-") and v]
            if tag == "input" and values.get("type") in BUTTON_TYPES and values.get("value"):
                self.texts.append(values["value"])
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.texts.append(data)


def visible_texts(response: Any) -> list[str]:
    texts: list[str] = []
    if "html" in response.headers.get("content-type", ""):
        parser = VisibleText()
        parser.feed(response.text)
        texts = parser.texts
    elif "json" in response.headers.get("content-type", ""):
        # The live board's answer: the cards as HTML inside JSON.
        for leaf in _leaves(response.json()):
            if "<" in leaf:
                parser = VisibleText()
                parser.feed(leaf)
                texts += parser.texts
    elif "spreadsheetml" in response.headers.get("content-type", ""):
        # A workbook's words: every text cell of every sheet.
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                texts += [value for value in row if isinstance(value, str)]
    raw = response.headers.get("hx-trigger")
    if raw:
        texts += [str(value) for value in _leaves(json.loads(raw))]
    return [" ".join(text.split()) for text in texts]


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value] if isinstance(value, str) else []


def _english_messages() -> tuple[set[str], set[str]]:
    """Messages whose German differs from the English: whole, and their long literal parts."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="de")
    whole: set[str] = set()
    parts: set[str] = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if not english or english in strings:
                continue
            whole.add(" ".join(english.split()))
            for part in re.split(r"%\(\w+\)[sd]", english):
                if len(part.split()) >= 3:
                    parts.add(" ".join(part.split()))
    return whole, parts


ENGLISH_WHOLE, ENGLISH_PARTS = _english_messages()


def untranslated(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        words = set(re.findall(r"[A-Za-z']+", text))
        if text in ENGLISH_WHOLE:
            found.append(f"catalogue message in English: {text!r}")
        elif any(part in text for part in ENGLISH_PARTS):
            found.append(f"part of a catalogue message in English: {text!r}")
        elif any(phrase in text for phrase in PYDANTIC):
            found.append(f"pydantic's English: {text!r}")
        elif words & ENGLISH_WORDS:
            found.append(f"English words {sorted(words & ENGLISH_WORDS)}: {text!r}")
    return found


def test_the_check_finds_english_where_it_is() -> None:
    """The detector itself: English in a text node, an attribute and a trigger is caught."""

    class Fake:
        def __init__(self, html: str, trigger: str = "") -> None:
            self.text = html
            self.headers = {"content-type": "text/html; charset=utf-8"}
            if trigger:
                self.headers["hx-trigger"] = trigger

    assert untranslated(visible_texts(Fake("<p>Die Phase ist voll.</p>"))) == []
    assert untranslated(visible_texts(Fake("<p>This card is archived.</p>")))
    assert untranslated(visible_texts(Fake('<h1 title="Archived cards of Maßnahmen">A</h1>')))
    assert untranslated(visible_texts(Fake("<p>Name: String should have at least 1 character")))
    assert untranslated(visible_texts(Fake("<p>Titel: the current password is wrong</p>")))
    trigger = json.dumps({"lotsenboard:announce": {"message": "No archived cards."}})
    assert untranslated(visible_texts(Fake("<p>OK</p>", trigger)))
    hidden = '<script>var the = "is";</script><span lang="en">English</span>'
    assert untranslated(visible_texts(Fake(hidden))) == []
    assert len(ENGLISH_WHOLE) > 300 and len(ENGLISH_PARTS) > 100


@dataclass
class World:
    app: FastAPI
    db: Database
    client: TestClient  # the CDO (admin)
    ids: dict[str, Any]

    def url(self, template: str) -> str:
        return template.format(**self.ids)

    def anonymous(self) -> TestClient:
        return TestClient(self.app)

    def as_role(self, role: Role) -> TestClient:
        with self.db.session() as session:
            user = make_user(session, role=role)
            plain, _token = tokens.create_token(session, user=user, name="tests")
        return TestClient(self.app, headers={"Authorization": f"Bearer {plain}"})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """LOTSENBOARD_LANGUAGE=de, whatever the default."""
    return settings.model_copy(update={"language": "de"})


@pytest.fixture
def world(app: FastAPI, db: Database, session: Session, admin: User) -> World:
    board = make_board(session, name="Maßnahmen 2026")
    phases = phases_of(session, board)
    bau = make_department(session, name="Bauamt", code="BA")
    jana = make_lotse(session, name="Jana Kuhn", department_id=bau.id)
    make_category(session, name="Datenschutz")
    card = make_card(
        session, board, title="Digitaler Bauantrag", department_id=bau.id, lotse_id=jana.id
    )
    cards.move_card(
        session,
        card_id=card.id or 0,
        move=CardMove(version=card.version, phase_id=phases[1].id or 0, position=0),
        actor=ACTOR,
    )
    concern = make_annotation(session, card, text="Datenschutz ungeklärt", department_id=bau.id)
    gone = make_card(session, board, title="Faxgerät abschaffen")
    cards.archive_card(session, card_id=gone.id or 0, version=gone.version, actor=ACTOR)
    colleague = make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@example.org")
    reset = resets.create_reset(session, user=colleague, actor=ACTOR, hours=24)
    screen, link = tokens.create_screen_link(
        session, board_id=board.id or 0, name="Sitzungsraum", actor=ACTOR
    )
    plain, api_token = tokens.create_token(session, user=admin, name="tests")
    meeting_day = date.today() + timedelta(days=3)
    rhythm = SeriesSet(first_date=meeting_day, start_time=time(10, 0), location="Raum 2.14")
    meetings.set_series(session, board_id=board.id or 0, data=rhythm, actor=ACTOR)
    held = _held_meeting(session, board)
    external = DigestSubscription(name="Bürgermeisterin", email="bm@example.org", created_by=ACTOR)
    delivery = DigestDelivery(
        recipient="u1", week="2026-W48", email="cdo@example.org", status=DeliveryStatus.sent
    )
    session.add_all([external, delivery])
    session.commit()
    ids = {
        "board": board.id,
        "phase": phases[0].id,
        "other_phase": phases[1].id,
        "card": card.id,
        "version": card.version + 1,
        "gone": gone.id,
        "annotation": concern.id,
        "annotation_version": concern.version,
        "department": bau.id,
        "lotse": jana.id,
        "category": _category_id(session),
        "user": colleague.id,
        "reset": reset,
        "screen": screen,
        "link": link.id,
        "token": api_token.id,
        "missing": 999_999,
        "meeting_day": meeting_day.isoformat(),
        "held_day": held.day.isoformat(),
        "entry": held.entry,
        "external": external.id,
        "delivery": delivery.id,
        # A spreadsheet uploaded for import, its columns not yet mapped.
        "upload": import_views.store(
            app.state.settings, board.id or 0, b"Spalte A;Spalte B\r\neins;zwei\r\n", "liste.csv"
        ),
    }
    client = TestClient(app, headers={"Authorization": f"Bearer {plain}"})
    return World(app=app, db=db, client=client, ids=ids)


@dataclass
class Held:
    day: date
    entry: int


def _held_meeting(session: Session, board: Any) -> Held:
    """A Lotsentreffen added for half an hour from now and begun, with a note recorded."""
    soon = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(minutes=30)
    added = meetings.add_meeting(
        session,
        board_id=board.id,
        data=MeetingAdd(starts_at=soon.replace(tzinfo=None, second=0, microsecond=0)),
        actor=ACTOR,
    )
    plan = sitting.start(session, board=board, day=added.day, actor=ACTOR)
    assert plan.current is not None
    note = sitting.add_entry(
        session,
        board=board,
        day=added.day,
        key=plan.current.key,
        kind=EntryKind.note,
        text="Der Bauantrag geht im Januar live.",
        lotse_id=None,
        due_date=None,
        actor=ACTOR,
    )
    return Held(added.day, note.id or 0)


def _category_id(session: Session) -> int:
    from app.annotations import service as annotations

    return next(c.id for c in annotations.list_categories(session) if c.name == "Datenschutz")


# Every page route, with the addresses that show it (variants where a page has several states).
PAGES: dict[str, list[str]] = {
    "/": ["/"],
    "/boards/{board_id}": [
        "/boards/{board}",
        "/boards/{board}?department={department}",
        "/boards/{board}?group=department",
        "/boards/{board}?view=mine",
        "/boards/{board}?since_meeting=1",
    ],
    "/boards/{board_id}/settings": ["/boards/{board}/settings"],
    "/cards/{card_id}": ["/cards/{card}", "/cards/{gone}"],
    "/cards/{card_id}/verlauf": ["/cards/{card}/verlauf"],
    "/boards/{board_id}/archive": ["/boards/{board}/archive"],
    "/cards/{card_id}/annotations": ["/cards/{card}/annotations"],
    "/boards/{board_id}/bedenken": ["/boards/{board}/bedenken"],
    "/settings/annotation-categories": ["/settings/annotation-categories"],
    "/settings/departments": ["/settings/departments"],
    "/settings/lotsen": ["/settings/lotsen"],
    "/barrierefreiheit": ["/barrierefreiheit"],
    "/barrierefreiheit/bearbeiten": ["/barrierefreiheit/bearbeiten"],
    "/login": ["/login"],
    "/account": ["/account", "/account?saved=1"],
    "/settings/users": ["/settings/users"],
    "/settings/users/{user_id}/auskunft.json": ["/settings/users/{user}/auskunft.json"],
    "/settings/lotsen/{lotse_id}/auskunft.json": ["/settings/lotsen/{lotse}/auskunft.json"],
    "/settings/datenschutz": ["/settings/datenschutz"],
    "/passwort/{token}": ["/passwort/{reset}", "/passwort/abgelaufen"],
    "/screen/{token}": ["/screen/{screen}"],
    "/boards/{board_id}/live": ["/boards/{board}/live?card={card}"],
    "/boards/{board_id}/treffen": ["/boards/{board}/treffen"],
    "/boards/{board_id}/treffen/{day}": ["/boards/{board}/treffen/{meeting_day}"],
    "/boards/{board_id}/treffen/{day}/sitzung": [
        "/boards/{board}/treffen/{meeting_day}/sitzung",
        "/boards/{board}/treffen/{held_day}/sitzung",
    ],
    "/wochenuebersicht/abbestellen/{token}": ["/wochenuebersicht/abbestellen/{reset}"],
    "/boards/{board_id}/treffen/{day}/protokoll": ["/boards/{board}/treffen/{held_day}/protokoll"],
    "/boards/{board_id}/treffen/{day}/protokoll.md": [
        "/boards/{board}/treffen/{held_day}/protokoll.md"
    ],
    "/boards/{board_id}/treffen/{day}/protokoll.pdf": [
        "/boards/{board}/treffen/{held_day}/protokoll.pdf"
    ],
    "/settings/wochenuebersicht": ["/settings/wochenuebersicht"],
    "/boards/{board_id}/auswertung": [
        "/boards/{board}/auswertung",
        "/boards/{board}/auswertung?period=year&department=weitere",
    ],
    "/boards/{board_id}/auswertung/{group}": [
        "/boards/{board}/auswertung/times?period=quarter",
        "/boards/{board}/auswertung/work",
        "/boards/{board}/auswertung/departments",
        "/boards/{board}/auswertung/annotations?period=custom&from=2026-11-01&to=2026-11-20",
    ],
    "/boards/{board_id}/import": ["/boards/{board}/import"],
    "/boards/{board_id}/import-vorlage.xlsx": ["/boards/{board}/import-vorlage.xlsx"],
    "/boards/{board_id}/import/{token}": ["/boards/{board}/import/{upload}"],
    "/boards/{board_id}/export.{extension}": [
        "/boards/{board}/export.csv",
        "/boards/{board}/export.csv?department={department}",
    ],
    "/boards/{board_id}/auswertung/tabellen/{name}": [
        "/boards/{board}/auswertung/tabellen/aging.csv",
        "/boards/{board}/auswertung/tabellen/departments.csv",
    ],
    "/settings/wochenuebersicht/vorschau/{key}": [
        "/settings/wochenuebersicht/vorschau/u{user}?woche=2026-W48",
        "/settings/wochenuebersicht/vorschau/x{external}",
    ],
    "/settings/wochenuebersicht/vorschau/{key}/mail": [
        "/settings/wochenuebersicht/vorschau/u{user}/mail?woche=2026-W48"
    ],
}
# Not pages: probes for the load balancer, the calendar feed for calendar programs.
NOT_PAGES = {"/healthz", "/readyz", "/kalender/{token}.ics"}
ANONYMOUS = {
    "/login",
    "/passwort/{token}",
    "/screen/{token}",
    "/wochenuebersicht/abbestellen/{token}",
}


def _page_routes(method: str) -> set[str]:
    return {
        path
        for path, route in all_routes()
        if not path.startswith("/api") and method in route.methods and path not in NOT_PAGES
    }


# Single sign-on answers only where it is set up: tests/http/test_oidc.py checks its German.
WITH_SSO = {"/login/oidc", "/login/oidc/callback"}


def test_every_page_route_is_checked() -> None:
    assert _page_routes("GET") == set(PAGES) | WITH_SSO


@pytest.mark.parametrize("route", sorted(PAGES))
def test_every_page_speaks_german(world: World, route: str) -> None:
    client = world.anonymous() if route in ANONYMOUS else world.client
    for template in PAGES[route]:
        for headers in ({}, HX):
            response = client.get(world.url(template), headers=headers)
            assert response.status_code in (200, 410), (template, response.status_code)
            if not headers and "html" in response.headers["content-type"]:
                assert '<html lang="de">' in response.text  # lang="en" parts are skipped
            assert untranslated(visible_texts(response)) == [], template


def test_error_pages_speak_german(world: World) -> None:
    viewer = world.as_role(Role.viewer)
    answers = {
        "Diese Seite gibt es nicht (mehr).": world.client.get(
            world.url("/boards/{missing}"), headers=PAGE
        ),
        "Dafür fehlt Ihnen die Berechtigung.": viewer.get("/settings/users", headers=PAGE),
        "Die Eingabe ist ungültig.": world.client.get("/boards/keine-zahl", headers=PAGE),
    }
    for expected, response in answers.items():
        texts = visible_texts(response)
        assert any(expected in text for text in texts), (expected, texts)
        assert untranslated(texts) == []


def test_the_start_page_speaks_german_to_every_role(world: World) -> None:
    for role in (Role.lotse, Role.viewer):
        response = world.as_role(role).get("/")
        assert response.status_code == 200
        assert untranslated(visible_texts(response)) == [], role


@dataclass
class Bad:
    """Bad input for a form route, and the German the person must read in the answer."""

    url: str
    data: dict[str, Any]
    expected: str
    hx: bool = False
    client: Callable[[World], TestClient] | None = None


def _logged_out(world: World) -> TestClient:
    client = world.anonymous()
    client.get("/login")
    return client


FORMS: dict[str, list[Bad]] = {
    "/boards/{board_id}/import/{token}": [
        Bad("/boards/{board}/import/{upload}", {"action": "run"}, "eine Spalte muss den Titel"),
        Bad("/boards/{board}/import/unbekannt0123456789abcdef", {}, "Diese Seite gibt es nicht"),
    ],
    "/boards/{board_id}/import": [
        Bad("/boards/{board}/import", {"file": "kein Upload"}, "Die Eingabe ist ungültig")
    ],
    "/boards": [Bad("/boards", {"name": " "}, "Name: darf nicht leer sein")],
    "/boards/{board_id}/details": [
        Bad("/boards/{board}/details", {"name": " "}, "Name: darf nicht leer sein")
    ],
    "/boards/{board_id}/archived": [
        Bad("/boards/{missing}/archived", {"archived": "true"}, "Diese Seite gibt es nicht")
    ],
    "/boards/{board_id}/rules": [
        Bad("/boards/{board}/rules", {"stuck_after_days": "drei"}, "muss eine ganze Zahl sein")
    ],
    "/boards/{board_id}/phases": [
        Bad("/boards/{board}/phases", {"name": "Priorisiert"}, "hat bereits eine Phase"),
        Bad("/boards/{board}/phases", {"name": "Neu", "wip_limit": "x"}, "ganze Zahl"),
        Bad("/boards/{board}/phases", {"name": "Neu", "wip_limit": "0"}, "mindestens 1"),
    ],
    "/boards/{board_id}/phases/{phase_id}": [
        Bad("/boards/{board}/phases/{phase}", {"name": " "}, "Name: darf nicht leer sein")
    ],
    "/boards/{board_id}/phases/{phase_id}/shift": [
        Bad("/boards/{board}/phases/{phase}/shift", {"direction": "oben"}, "Die Eingabe ist")
    ],
    "/boards/{board_id}/phases/{phase_id}/remove": [
        Bad(
            "/boards/{board}/phases/{phase}/remove",
            {"target_phase_id": "{phase}", "confirmed": "true"},
            "das Ziel muss eine andere Phase sein",
        )
    ],
    "/boards/{board_id}/undo": [
        Bad("/boards/{board}/undo", {"seq": "1"}, "nicht rückgängig", hx=True)
    ],
    "/boards/{board_id}/access": [
        Bad("/boards/{board}/access", {"restricted": "true", "member": "{missing}"}, "gibt es")
    ],
    "/boards/{board_id}/screen-links": [
        Bad("/boards/{board}/screen-links", {"name": "x" * 2000}, "Die Eingabe ist ungültig")
    ],
    "/boards/{board_id}/screen-links/{link_id}/settings": [
        Bad(
            "/boards/{board}/screen-links/{link}/settings",
            {"mode": "board", "page_seconds": "1"},
            "Sekunden je Seite: mindestens 5",
        ),
        Bad(
            "/boards/{board}/screen-links/{link}/settings",
            {"mode": "board", "department_ids": "{missing}"},
            "Fachbereiche: Nummer 999999 gibt es nicht",
        ),
    ],
    "/boards/{board_id}/screen-links/{link_id}/revoke": [
        Bad("/boards/{board}/screen-links/{missing}/revoke", {}, "gibt es nicht")
    ],
    "/boards/{board_id}/cards": [
        Bad("/boards/{board}/cards", {"title": " ", "phase_id": "{phase}"}, "Titel", hx=True),
        Bad("/boards/{board}/cards", {"title": "Neu", "phase_id": "{missing}"}, "nicht zu diesem"),
    ],
    "/cards/{card_id}": [
        Bad(
            "/cards/{card}",
            {"version": "{version}", "title": "Bauantrag", "due_date": "morgen"},
            "kein Datum",
            hx=True,
        )
    ],
    "/cards/{card_id}/move": [
        Bad("/cards/{card}/move", {"version": "1", "phase_id": "{phase}"}, "inzwischen", hx=True)
    ],
    "/cards/{card_id}/archive": [
        Bad("/cards/{card}/archive", {"version": "1"}, "inzwischen", hx=True)
    ],
    "/cards/{card_id}/restore": [
        Bad("/cards/{gone}/restore", {"version": "1"}, "wurde inzwischen", hx=True)
    ],
    "/cards/{card_id}/annotations": [
        Bad("/cards/{card}/annotations", {"text": ""}, "darf nicht leer sein", hx=True)
    ],
    "/annotations/{annotation_id}": [
        Bad("/annotations/{annotation}", {"version": "1", "text": " "}, "leer", hx=True)
    ],
    "/annotations/{annotation_id}/status": [
        Bad(
            "/annotations/{annotation}/status",
            {"version": "{annotation_version}", "status": "resolved"},
            "Lösung",
            hx=True,
        )
    ],
    "/annotations/{annotation_id}/notes": [
        Bad("/annotations/{annotation}/notes", {"text": ""}, "darf nicht leer sein", hx=True)
    ],
    "/settings/annotation-categories": [
        Bad("/settings/annotation-categories", {"name": "Datenschutz"}, "gibt es bereits")
    ],
    "/settings/annotation-categories/{category_id}": [
        Bad("/settings/annotation-categories/{category}", {"name": " "}, "darf nicht leer sein")
    ],
    "/settings/departments": [
        Bad("/settings/departments", {"name": "Bau", "code": "BA"}, "gibt es bereits"),
        Bad("/settings/departments", {"name": "Schule", "code": "S-1"}, "Buchstaben"),
        Bad("/settings/departments", {"name": "Schule", "code": "SA", "colour": "rot"}, "Farbe"),
    ],
    "/settings/departments/{department_id}": [
        Bad(
            "/settings/departments/{department}",
            {"name": " ", "code": "BA", "colour": "#1F6FB2"},
            "Name: darf nicht leer sein",
        )
    ],
    "/settings/lotsen": [
        Bad("/settings/lotsen", {"name": "Ole", "department_id": "{missing}"}, "gibt es nicht"),
        Bad(
            "/settings/lotsen",
            {"name": "Ole", "department_id": "{department}", "email": "ole"},
            "ist keine E-Mail-Adresse",
        ),
    ],
    "/settings/lotsen/{lotse_id}": [
        Bad("/settings/lotsen/{lotse}", {"name": " ", "department_id": "{department}"}, "leer")
    ],
    "/barrierefreiheit/feedback": [
        Bad("/barrierefreiheit/feedback", {"message": " "}, "bitte beschreiben Sie die Barriere")
    ],
    "/barrierefreiheit/bearbeiten": [
        Bad("/barrierefreiheit/bearbeiten", {"body": "x" * 55_000}, "Text: höchstens")
    ],
    "/login": [
        Bad("/login", {"email": "cdo@example.org", "password": "falsch"}, "abgelaufen"),
    ],
    "/account/password": [
        Bad(
            "/account/password",
            {"current_password": "falsch-falsch", "new_password": "lang-genug-2026"},
            "das aktuelle Passwort stimmt nicht",
        ),
        Bad(
            "/account/password",
            {"current_password": PASSWORD, "new_password": "kurz"},
            "mindestens 10 Zeichen",
        ),
    ],
    "/account/wochenuebersicht": [
        Bad(
            "/account/wochenuebersicht",
            {"active": "true", "department_ids": "{missing}"},
            "Fachbereiche: Nummer 999999 gibt es nicht",
        ),
        Bad("/account/wochenuebersicht", {"board_ids": "x"}, "Boards: Nummer x gibt es nicht"),
    ],
    "/account/tokens": [Bad("/account/tokens", {"name": "x" * 2000}, "Die Eingabe ist ungültig")],
    "/account/tokens/{token_id}/revoke": [
        Bad("/account/tokens/{missing}/revoke", {}, "gibt es nicht")
    ],
    "/settings/users": [
        Bad(
            "/settings/users",
            {"email": "jana@example.org", "name": "Jana", "role": "lotse", "password": PASSWORD},
            "gibt es bereits",
        ),
        Bad(
            "/settings/users",
            {"email": "ole@example.org", "name": "Ole", "role": "chef", "password": PASSWORD},
            "keine der Auswahlmöglichkeiten",
        ),
    ],
    "/settings/users/{user_id}": [
        Bad("/settings/users/{user}", {"name": " ", "role": "lotse"}, "darf nicht leer sein")
    ],
    "/boards/{board_id}/treffen/rhythmus": [
        Bad(
            "/boards/{board}/treffen/rhythmus",
            {"first_date": "31.02.2030", "start_time": "10:00"},
            "Erster Termin: kein Datum",
        ),
        Bad(
            "/boards/{board}/treffen/rhythmus",
            {"first_date": "{meeting_day}", "start_time": "zehn"},
            "Uhrzeit: keine Uhrzeit",
        ),
        Bad(
            "/boards/{board}/treffen/rhythmus",
            {"first_date": "{meeting_day}", "start_time": "10:00", "interval_weeks": "9"},
            "höchstens 8",
        ),
    ],
    "/boards/{board_id}/treffen": [
        Bad("/boards/{board}/treffen", {"starts_at": "{meeting_day}T15:00"}, "gibt es bereits"),
        Bad("/boards/{board}/treffen", {"starts_at": "morgen"}, "kein Datum mit Uhrzeit"),
    ],
    "/boards/{board_id}/treffen/{day}": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}",
            {"version": "3", "cancelled": "true"},
            "inzwischen geändert",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/themen": [
        Bad("/boards/{board}/treffen/{meeting_day}/themen", {"title": " "}, "Titel: darf nicht"),
        Bad(
            "/boards/{board}/treffen/{meeting_day}/themen",
            {"title": "Neu", "card_id": "{missing}"},
            "Nummer 999999 gibt es nicht",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/themen/{item_id}/entfernen": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}/themen/{missing}/entfernen",
            {},
            "gibt es nicht mehr",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/punkte/verschieben": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}/punkte/verschieben",
            {"key": "x1", "step": "1"},
            "Die Eingabe ist ungültig",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/punkte/zeit": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}/punkte/zeit",
            {"key": "d{department}", "minutes": "300"},
            "zwischen 1 und 240 Minuten",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/punkte/zusammenfuehren": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}/punkte/zusammenfuehren",
            {"key": "d{department}", "into": "d{department}"},
            "einen anderen Punkt",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/punkte/entfernen": [
        Bad(
            "/boards/{board}/treffen/{held_day}/punkte/entfernen",
            {"key": "d{department}"},
            "seine Tagesordnung steht fest",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/moderation": [
        Bad(
            "/boards/{board}/treffen/{meeting_day}/moderation",
            {"moderator_id": "{missing}"},
            "aktives Konto",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/beginnen": [
        Bad("/boards/{board}/treffen/{meeting_day}/beginnen", {}, "zwei Stunden vor Beginn"),
        Bad("/boards/{board}/treffen/{held_day}/beginnen", {}, "hat schon begonnen"),
    ],
    "/boards/{board_id}/treffen/{day}/zeigen": [
        Bad(
            "/boards/{board}/treffen/{held_day}/zeigen",
            {"key": "d{department}", "version": "1"},
            "inzwischen weitergegangen",
        ),
        Bad(
            "/boards/{board}/treffen/{meeting_day}/zeigen",
            {"key": "d{department}", "version": "1"},
            "hat noch nicht begonnen",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/schliessen": [
        Bad("/boards/{board}/treffen/{held_day}/schliessen", {"version": "1"}, "weitergegangen"),
    ],
    "/boards/{board_id}/treffen/{day}/anwesenheit": [
        Bad(
            "/boards/{board}/treffen/{held_day}/anwesenheit",
            {"lotse_id": "{missing}", "present": "true"},
            "Nummer 999999 gibt es nicht",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege": [
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege",
            {"key": "d{department}", "kind": "action", "text": "Prüfen"},
            "braucht einen Lotsen",
        ),
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege",
            {"key": "d{department}", "kind": "note", "text": " "},
            "Text: darf nicht leer sein",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/berichtigen": [
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege/{entry}/berichtigen",
            {"text": "Neu", "lotse_id": "{lotse}"},
            "nur Aufgaben nennen",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/entfernen": [
        Bad("/boards/{board}/treffen/{held_day}/eintraege/{missing}/entfernen", {}, "gibt es"),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/massnahme": [
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege/{entry}/massnahme",
            {},
            "nur eine Aufgabe kann übernommen werden",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/naechster-schritt": [
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege/{entry}/naechster-schritt",
            {"annotation_id": "erste"},
            "Die Eingabe ist ungültig",
        ),
    ],
    "/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/erledigt": [
        Bad(
            "/boards/{board}/treffen/{held_day}/eintraege/{entry}/erledigt",
            {"done": "true"},
            "nur eine Aufgabe kann erledigt werden",
        ),
    ],
    "/boards/{board_id}/treffen-kalender/widerrufen": [
        Bad("/boards/{board}/treffen-kalender/widerrufen", {}, "gibt es nicht mehr"),
    ],
    "/wochenuebersicht/abbestellen/{token}": [
        Bad("/wochenuebersicht/abbestellen/gefälscht", {}, "ungültig", client=_logged_out)
    ],
    "/settings/wochenuebersicht/testmail": [
        Bad("/settings/wochenuebersicht/testmail", {"to": "x"}, "keine gültige E-Mail-Adresse"),
        Bad("/settings/wochenuebersicht/testmail", {"to": "a@b.de"}, "kein Mailserver eingestellt"),
    ],
    "/settings/wochenuebersicht/extern": [
        Bad("/settings/wochenuebersicht/extern", {"name": "P", "email": "p"}, "E-Mail"),
        Bad(
            "/settings/wochenuebersicht/extern",
            {"name": "Zweimal", "email": "bm@example.org"},
            "erhält die Wochenübersicht schon",
        ),
    ],
    "/settings/wochenuebersicht/extern/{subscription_id}": [
        Bad(
            "/settings/wochenuebersicht/extern/{external}",
            {"name": "Bürgermeisterin", "email": "bm@example.org", "language": "fr"},
            "Sprache",
        ),
        Bad(
            "/settings/wochenuebersicht/extern/{missing}",
            {"name": "X", "email": "x@example.org"},
            "gibt es nicht",
        ),
    ],
    "/settings/wochenuebersicht/extern/{subscription_id}/entfernen": [
        Bad("/settings/wochenuebersicht/extern/{missing}/entfernen", {}, "gibt es nicht")
    ],
    "/settings/wochenuebersicht/versand/{delivery_id}/erneut": [
        Bad("/settings/wochenuebersicht/versand/{delivery}/erneut", {}, "kein Mailserver")
    ],
    "/settings/users/{user_id}/reset": [
        Bad("/settings/users/{missing}/reset", {}, "gibt es nicht")
    ],
    "/settings/users/{user_id}/anonymisieren": [
        Bad("/settings/users/{user}/anonymisieren", {}, "ausgeschieden ist"),
        Bad("/settings/users/{missing}/anonymisieren", {"confirm": "true"}, "gibt es nicht"),
    ],
    "/settings/lotsen/{lotse_id}/anonymisieren": [
        Bad("/settings/lotsen/{lotse}/anonymisieren", {"confirm": "ja"}, "ausgeschieden ist"),
        Bad("/settings/lotsen/{missing}/anonymisieren", {"confirm": "true"}, "gibt es nicht"),
    ],
    "/login/oidc/backchannel-logout": [
        Bad(
            "/login/oidc/backchannel-logout",
            {"logout_token": "kein-token"},
            "gibt es nicht",
            client=_logged_out,
        )
    ],
    "/passwort/{token}": [
        Bad(
            "/passwort/{reset}",
            {"password": "lang-genug-2026", "repeated": "lang-genug-2027"},
            "stimmen nicht überein",
            client=_logged_out,
        ),
        Bad(
            "/passwort/{reset}",
            {"password": "kurz", "repeated": "kurz"},
            "mindestens 10 Zeichen",
            client=_logged_out,
        ),
    ],
}


# Form routes without input that could be wrong.
NO_INPUT = {
    "/logout": "ends the session, whatever is sent",
    "/sprache": "a language the switch does not offer is ignored; the page keeps its language",
    "/boards/{board_id}/treffen-kalender": "makes a new calendar address, whatever is sent",
}


def test_every_form_route_is_sent_bad_input() -> None:
    assert _page_routes("POST") == set(FORMS) | set(NO_INPUT)


@pytest.mark.parametrize("route", sorted(FORMS))
def test_every_form_error_speaks_german(world: World, route: str) -> None:
    for bad in FORMS[route]:
        client = bad.client(world) if bad.client else world.client
        data = {name: world.url(str(value)) for name, value in bad.data.items()}
        before = dump(world.db)
        response = client.post(world.url(bad.url), data=data, headers=HX if bad.hx else PAGE)
        texts = visible_texts(response)
        assert 400 <= response.status_code < 500, (bad.url, response.status_code, texts)
        shown = " | ".join(texts)
        assert any(bad.expected in text for text in texts), f"{bad.url}: {bad.expected!r}: {shown}"
        assert untranslated(texts) == [], bad.url
        assert dump(world.db) == before, f"{bad.url} changed data"
