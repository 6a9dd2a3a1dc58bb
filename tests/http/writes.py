"""The write endpoints under /api/v1, each described once for the bad-input sweep.

`WRITES` says, per endpoint, what an accepted request looks like and which parts of it can be
spoiled; `build_world` creates everything those requests name.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.accounts.models import User
from app.annotations import service as annotations
from app.annotations.models import AnnotationCreate, CategoryCreate
from app.boards import service as boards
from app.cards import service as cards
from app.meetings import service as meetings
from app.meetings import sitting
from app.meetings.models import AgendaItemCreate, EntryKind, MeetingAdd, SeriesSet
from tests.factories import make_board, make_card, make_department, make_lotse, make_user

BERLIN = ZoneInfo("Europe/Berlin")
HUGE = "x" * 100_000
MEETING_DAY = date(2030, 1, 8)  # a Tuesday of the world's meeting rhythm
UNKNOWN = 999_999
# Ids no row can have: past PostgreSQL's INTEGER and past SQLite's 64-bit INTEGER.
OUT_OF_RANGE = {"past 32 bits": 2**31, "past 64 bits": 2**63}


@dataclass(frozen=True)
class Write:
    method: str
    path: str  # the route's own template, filled from `world` by parameter name
    valid: dict[str, Any] | None = None  # an accepted body; "@key" values come from `world`
    wrong_type: dict[str, Any] = field(default_factory=dict)  # merged into `valid`
    required: tuple[str, ...] = ()
    text: str | None = None  # the name or title field, for the 100 kB case
    unknown_in_body: dict[str, Any] = field(default_factory=dict)  # merged into `valid`
    query: dict[str, Any] = field(default_factory=dict)  # for body-less writes
    bad_query: dict[str, Any] = field(default_factory=dict)  # case name -> query
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> other `world` key


BOARD = "/api/v1/boards/{board_id}"
CARD = "/api/v1/cards/{card_id}"
ANNOTATION = "/api/v1/annotations/{annotation_id}"
WRITES: dict[str, Write] = {
    "create board": Write(
        "POST", "/api/v1/boards", {"name": "Neu", "phases": [{"name": "A"}]},
        {"name": 5}, ("name",), "name",
    ),
    "edit board": Write("PATCH", BOARD, {"name": "Neu"}, {"name": ["Neu"]}, (), "name"),
    "archive board": Write(
        "PUT", f"{BOARD}/archived", {"archived": True}, {"archived": "vielleicht"}, ("archived",)
    ),
    "add phase": Write(
        "POST", f"{BOARD}/phases", {"name": "Neu"}, {"wip_limit": "drei"}, ("name",), "name"
    ),
    "reorder phases": Write(
        "PUT", f"{BOARD}/phases/order", {"phase_ids": "@reversed_phases"}, {"phase_ids": "alle"},
        ("phase_ids",), unknown_in_body={"phase_ids": [UNKNOWN, "@phase2", "@phase3", "@phase4"]},
    ),
    "edit phase": Write(
        "PATCH", f"{BOARD}/phases/{{phase_id}}", {"name": "Neu"}, {"is_done": "ja"}, (), "name"
    ),
    "remove phase": Write(
        "DELETE", f"{BOARD}/phases/{{phase_id}}", query={"target_phase_id": "@phase2"},
        bad_query={"target wrong type": {"target_phase_id": "zwei"},
                   "unknown target": {"target_phase_id": UNKNOWN},
                   **{f"target {k}": {"target_phase_id": v} for k, v in OUT_OF_RANGE.items()}},
    ),
    "create card": Write(
        "POST", f"{BOARD}/cards", {"title": "Neu", "phase_id": "@phase_id"}, {"phase_id": "eins"},
        ("title", "phase_id"), "title", {"phase_id": UNKNOWN, "lotse_id": UNKNOWN},
    ),
    "edit card": Write(
        "PATCH", CARD, {"version": 1, "title": "Neu"}, {"version": "eins"}, ("version",), "title",
        {"department_id": UNKNOWN},
    ),
    "move card": Write(
        "POST", f"{CARD}/move", {"phase_id": "@phase2", "position": 0, "version": 1},
        {"position": "oben"}, ("phase_id", "position", "version"), None, {"phase_id": UNKNOWN},
    ),
    "archive card": Write(
        "POST", f"{CARD}/archive", {"version": 1}, {"version": "1.5"}, ("version",)
    ),
    "restore card": Write(
        "POST", f"{CARD}/restore", {"version": 2}, {"version": [2]}, ("version",),
        ids={"card_id": "archived_card_id"},
    ),
    "raise annotation": Write(
        "POST", f"{CARD}/annotations", {"kind": "resistance", "text": "Neu"},
        {"blocks_card": "vielleicht"}, ("kind", "text"), "text", {"category_id": UNKNOWN},
    ),
    "edit annotation": Write(
        "PATCH", ANNOTATION, {"version": 1, "text": "Neu"}, {"severity": "sehr"}, ("version",),
        "text", {"raised_by_id": UNKNOWN},
    ),
    "add annotation note": Write(
        "POST", f"{ANNOTATION}/notes", {"text": "Neu"}, {"text": 5}, ("text",), "text"
    ),
    "create annotation category": Write(
        "POST", "/api/v1/annotation-categories", {"name": "Neu"}, {"name": 5}, ("name",), "name"
    ),
    "edit annotation category": Write(
        "PATCH", "/api/v1/annotation-categories/{category_id}", {"name": "Neu"},
        {"active": "ja bitte"}, (), "name",
    ),
    "create department": Write(
        "POST", "/api/v1/departments", {"name": "Kämmerei", "code": "KÄ"}, {"code": 7},
        ("name", "code"), "name",
    ),
    "edit department": Write(
        "PATCH", "/api/v1/departments/{department_id}", {"name": "Neu"}, {"active": "ja bitte"},
        (), "name",
    ),
    "delete department": Write(
        "DELETE", "/api/v1/departments/{department_id}", ids={"department_id": "spare_department"}
    ),
    "create lotse": Write(
        "POST", "/api/v1/lotsen", {"name": "Neu", "department_id": "@department_id"},
        {"department_id": "Bauamt"}, ("name", "department_id"), "name", {"department_id": UNKNOWN},
    ),
    "edit lotse": Write(
        "PATCH", "/api/v1/lotsen/{lotse_id}", {"name": "Neu"}, {"active": "nein danke"}, (), "name",
        {"department_id": UNKNOWN},
    ),
    "delete lotse": Write("DELETE", "/api/v1/lotsen/{lotse_id}", ids={"lotse_id": "spare_lotse"}),
    "create user": Write(
        "POST", "/api/v1/users",
        {"email": "neu@musterstadt.de", "name": "Neu", "password": "richtig-geheim-2026"},
        {"role": 3}, ("email", "name", "password"), "name",
    ),
    "edit user": Write(
        "PATCH", "/api/v1/users/{user_id}", {"name": "Neu"}, {"role": ["admin"]}, (), "name"
    ),
    "create token": Write("POST", "/api/v1/tokens", {"name": "CI"}, {"name": 5}, ("name",), "name"),
    "revoke token": Write("DELETE", "/api/v1/tokens/{token_id}"),
    "set board access": Write(
        "PUT", f"{BOARD}/access", {"restricted": True, "member_ids": []}, {"member_ids": "alle"},
        ("restricted",), None, {"member_ids": [UNKNOWN]},
    ),
    "create screen link": Write(
        "POST", f"{BOARD}/screen-links", {"name": "TV"}, {"name": 5}, ("name",), "name"
    ),
    "revoke screen link": Write("DELETE", f"{BOARD}/screen-links/{{link_id}}"),
    "set what a screen shows": Write(
        "PATCH", f"{BOARD}/screen-links/{{link_id}}",
        {"mode": "overview", "phase_ids": ["@phase_id"]}, {"mode": "bunt"}, (), None,
        {"phase_ids": [UNKNOWN]},
    ),
    "set meeting rhythm": Write(
        "PUT", f"{BOARD}/meeting-series", {"first_date": "2030-01-08", "start_time": "09:30"},
        {"interval_weeks": "zwei"}, ("first_date",), "location",
    ),
    "add meeting": Write(
        "POST", f"{BOARD}/meetings", {"starts_at": "2030-01-10T10:00"}, {"starts_at": "morgen"},
        ("starts_at",),
    ),
    "change meeting": Write(
        "PATCH", f"{BOARD}/meetings/{{day}}", {"version": 0, "cancelled": True},
        {"cancelled": "vielleicht"}, ("version",),
    ),
    "bring in a topic": Write(
        "POST", f"{BOARD}/meetings/{{day}}/items", {"title": "Neu"}, {"card_id": "eins"},
        ("title",), "title", {"card_id": UNKNOWN},
    ),
    "take a topic off": Write("DELETE", f"{BOARD}/agenda-items/{{item_id}}"),
    "arrange the agenda": Write(
        "PUT", f"{BOARD}/meetings/{{day}}/order", {"order": "@order"}, {"order": "t1"},
        ("order",),
    ),
    "time-box a point": Write(
        "PATCH", f"{BOARD}/meetings/{{day}}/points/{{key}}", {"minutes": 15}, {"minutes": "lang"}
    ),
    "take a point off": Write("DELETE", f"{BOARD}/meetings/{{day}}/points/{{key}}"),
    "set the moderator": Write(
        "PUT", f"{BOARD}/meetings/{{day}}/moderator", {"user_id": "@user_id"},
        {"user_id": "eins"}, ("user_id",),
    ),
    "begin a meeting": Write(
        "POST", f"{BOARD}/meetings/{{day}}/start", ids={"board_id": "board2", "day": "soon_day"}
    ),
    "step to a point": Write(
        "POST", f"{BOARD}/meetings/{{day}}/step", {"key": "@held_key", "version": "@held_version"},
        {"version": "zwei"}, ("key", "version"), ids={"day": "held_day"},
    ),
    "close a meeting": Write(
        "POST", f"{BOARD}/meetings/{{day}}/close", {"version": "@held_version"},
        {"version": "neun"}, ("version",), ids={"day": "held_day"},
    ),
    "tick attendance": Write(
        "PUT", f"{BOARD}/meetings/{{day}}/attendance/{{lotse_id}}", {"present": True},
        {"present": "vielleicht"}, ("present",), ids={"day": "held_day"},
    ),
    "record an entry": Write(
        "POST", f"{BOARD}/meetings/{{day}}/entries",
        {"key": "@held_key", "kind": "note", "text": "Notiz"}, {"kind": "gedanke"},
        ("key", "kind", "text"), "text", ids={"day": "held_day"},
    ),
    "correct an entry": Write(
        "PATCH", f"{BOARD}/meeting-entries/{{entry_id}}", {"text": "Berichtigt"}, {"text": 5},
        ("text",), "text", ids={"entry_id": "note_entry"},
    ),
    "take an entry out": Write(
        "DELETE", f"{BOARD}/meeting-entries/{{entry_id}}", ids={"entry_id": "note_entry"}
    ),
    "action item to a measure": Write(
        "POST", f"{BOARD}/meeting-entries/{{entry_id}}/card", {"phase_id": "@phase_id"},
        {"phase_id": "eins"}, (), None, {"phase_id": UNKNOWN}, ids={"entry_id": "action_entry"},
    ),
    "action item to a next step": Write(
        "POST", f"{BOARD}/meeting-entries/{{entry_id}}/next-step",
        {"annotation_id": "@annotation_id"}, {"annotation_id": "x"}, ("annotation_id",), None,
        {"annotation_id": UNKNOWN}, ids={"entry_id": "action_entry"},
    ),
    "action item done": Write(
        "PUT", f"{BOARD}/meeting-entries/{{entry_id}}/done", {"done": True}, {"done": "ja?"},
        ("done",), ids={"entry_id": "action_entry"},
    ),
    "create calendar address": Write("POST", f"{BOARD}/meeting-feed"),
    "revoke calendar address": Write("DELETE", f"{BOARD}/meeting-feed"),
}  # fmt: skip


def build_world(session: Session, admin: User) -> dict[str, Any]:
    """Everything the write endpoints name, ids by the route's parameter names."""
    board = make_board(session)
    phases = [phase.id for phase in boards.list_phases(session, board_id=board.id)]
    department = make_department(session, name="Bauamt", code="BA")
    lotse = make_lotse(session, department_id=department.id)
    card = make_card(session, board, department_id=department.id, lotse_id=lotse.id)
    archived = make_card(session, board, phase_id=phases[0])
    cards.archive_card(session, card_id=archived.id, version=1, actor="Test")
    concern = AnnotationCreate(kind="concern", text="Datenschutz ungeklärt")
    annotation = annotations.raise_annotation(session, card_id=card.id, data=concern, actor="Test")
    category = annotations.create_category(session, data=CategoryCreate(name="Test"), actor="Test")
    owner = session.get(User, admin.id)
    assert owner is not None
    _plain, token = tokens.create_token(session, user=owner, name="spare")
    _plain, link = tokens.create_screen_link(session, board_id=board.id, name="TV", actor="Test")
    rhythm = SeriesSet(first_date=MEETING_DAY, start_time=time(10, 0))
    meetings.set_series(session, board_id=board.id, data=rhythm, actor="Test")
    meetings.create_feed(session, board_id=board.id, actor="Test")
    topic = AgendaItemCreate(title="Schnittstelle")
    item = meetings.add_item(session, board_id=board.id, day=MEETING_DAY, data=topic, actor="T")
    held = _held_meeting(session, board, card.id, lotse.id)
    board2 = make_board(session, name="Zweites Board")
    soon = datetime.now(BERLIN) + timedelta(minutes=30)
    soon_meeting = meetings.add_meeting(
        session,
        board_id=board2.id,
        data=MeetingAdd(starts_at=soon.replace(tzinfo=None, second=0, microsecond=0)),
        actor="Test",
    )
    order = [p.key for p in sitting.plan(session, board=board, day=MEETING_DAY).points]
    return {
        **held,
        "board2": board2.id,
        "soon_day": soon_meeting.day.isoformat(),
        "order": order[::-1],
        "key": f"t{item.id}",
        "board_id": board.id,
        "phase_id": phases[0],
        "phase2": phases[1],
        "phase3": phases[2],
        "phase4": phases[3],
        "reversed_phases": phases[::-1],
        "card_id": card.id,
        "archived_card_id": archived.id,
        "department_id": department.id,
        "spare_department": make_department(session).id,
        "lotse_id": lotse.id,
        "spare_lotse": make_lotse(session, department_id=department.id).id,
        "user_id": make_user(session).id,
        "token_id": token.id,
        "link_id": link.id,
        "annotation_id": annotation.id,
        "category_id": category.id,
        "day": MEETING_DAY.isoformat(),
        "item_id": item.id,
    }


def _held_meeting(session: Session, board: Any, card_id: int, lotse_id: int) -> dict[str, Any]:
    """A Lotsentreffen of yesterday, begun on a topic and still running, with a note and an
    action item recorded."""
    yesterday = datetime.now(BERLIN).replace(hour=10, minute=0, second=0, microsecond=0)
    yesterday -= timedelta(days=1)
    with clock.frozen_at(yesterday - timedelta(hours=1)):
        added = meetings.add_meeting(
            session,
            board_id=board.id,
            data=MeetingAdd(starts_at=yesterday.replace(tzinfo=None)),
            actor="Test",
        )
        topic = AgendaItemCreate(title="Fachverfahren", card_id=card_id)
        meetings.add_item(session, board_id=board.id, day=added.day, data=topic, actor="T")
    with clock.frozen_at(yesterday):
        found = sitting.start(session, board=board, day=added.day, actor="Test")
    assert found.current is not None and found.run is not None
    key = found.current.key

    def entry(kind: EntryKind, text: str, **values: Any) -> int:
        values = {"lotse_id": None, "due_date": None, **values}
        made = sitting.add_entry(
            session, board=board, day=added.day, key=key, kind=kind, text=text, actor="Test",
            **values,
        )  # fmt: skip
        return made.id or 0

    note = entry(EntryKind.note, "Notiz")
    action = entry(EntryKind.action, "Prüfen", lotse_id=lotse_id, due_date=added.day)
    return {
        "held_day": added.day.isoformat(),
        "held_key": key,
        "held_version": found.run.version,
        "note_entry": note,
        "action_entry": action,
    }


def fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return world[value[1:]]
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    return value


def path_of(write: Write, world: dict[str, Any], **replace: Any) -> str:
    params = {name: world[write.ids.get(name, name)] for name in params_of(write.path)}
    return write.path.format(**{**params, **replace})


def params_of(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def send(client: TestClient, write: Write, world: dict[str, Any], **override: Any) -> Any:
    """The endpoint's valid request with `json`, `query`, `path` or raw `content` swapped in."""
    path = path_of(write, world, **override.get("path", {}))
    if "content" in override:
        headers = {"content-type": "application/json"}
        return client.request(write.method, path, content=override["content"], headers=headers)
    body = fill(override.get("json", write.valid), world)
    query = fill(override.get("query", write.query), world)
    return client.request(write.method, path, json=body, params=query)
