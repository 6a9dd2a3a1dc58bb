"""Small builders for test data; every one goes through the services."""

from itertools import count
from typing import Any

from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.models import Role, User, UserCreate
from app.annotations import service as annotations
from app.annotations.models import Annotation, AnnotationCategory, AnnotationCreate, CategoryCreate
from app.boards import service as boards
from app.boards.models import Board, BoardCreate, Phase, PhaseCreate
from app.cards import service as cards
from app.cards.models import Card, CardCreate
from app.people import service as people
from app.people.models import Department, DepartmentCreate, Lotse, LotseCreate

ACTOR = "Test"
_numbers = count(1)


PASSWORD = "richtig-geheim-2026"


def make_user(session: Session, *, role: Role = Role.lotse, **overrides: Any) -> User:
    number = next(_numbers)
    values: dict[str, Any] = {
        "email": f"person{number}@musterstadt.de",
        "name": f"Person {number}",
        "role": role,
        "password": PASSWORD,
    }
    values.update(overrides)
    return accounts.create_user(session, data=UserCreate(**values), actor=ACTOR)


def make_board(
    session: Session, *, name: str | None = None, phases: list[PhaseCreate] | None = None
) -> Board:
    data = BoardCreate(name=name or f"Board {next(_numbers)}")
    if phases is None:
        return boards.create_board(session, data=data, actor=ACTOR)
    return boards.create_board(session, data=data, actor=ACTOR, phases=phases)


def phases_of(session: Session, board: Board) -> list[Phase]:
    assert board.id is not None
    return boards.list_phases(session, board_id=board.id)


def make_department(session: Session, **overrides: Any) -> Department:
    number = next(_numbers)
    values: dict[str, Any] = {"name": f"Fachbereich {number}", "code": f"FB{number}"}
    values.update(overrides)
    return people.create_department(session, data=DepartmentCreate(**values), actor=ACTOR)


def make_lotse(session: Session, **overrides: Any) -> Lotse:
    values: dict[str, Any] = {"name": f"Lotsin {next(_numbers)}"}
    values.update(overrides)
    if "department_id" not in values:
        values["department_id"] = make_department(session).id
    return people.create_lotse(session, data=LotseCreate(**values), actor=ACTOR)


def make_card(session: Session, board: Board, **overrides: Any) -> Card:
    values: dict[str, Any] = {"title": f"Maßnahme {next(_numbers)}"}
    values.update(overrides)
    if "phase_id" not in values:
        values["phase_id"] = phases_of(session, board)[0].id
    assert board.id is not None
    return cards.create_card(session, board_id=board.id, data=CardCreate(**values), actor=ACTOR)


def make_annotation(session: Session, card: Card, **overrides: Any) -> Annotation:
    values: dict[str, Any] = {"kind": "concern", "text": f"Bedenken {next(_numbers)}"}
    values.update(overrides)
    assert card.id is not None
    return annotations.raise_annotation(
        session, card_id=card.id, data=AnnotationCreate(**values), actor=ACTOR
    )


def make_category(session: Session, **overrides: Any) -> AnnotationCategory:
    values: dict[str, Any] = {"name": f"Kategorie {next(_numbers)}"}
    values.update(overrides)
    return annotations.create_category(session, data=CategoryCreate(**values), actor=ACTOR)


# The Kommune of the sample lists in tests/data (tests/data/make_samples.py): each department
# with its short code and its lotse.
KOMMUNE = [
    ("Sozialamt", "SO", "Olga Petrová", "olga.petrova@musterstadt.de"),
    ("Bürgeramt", "BÜ", "Jürgen Weiß", "juergen.weiss@musterstadt.de"),
    ("Kämmerei", "KÄ", "Markus Schulz", "markus.schulz@musterstadt.de"),
    ("Ordnungsamt", "OA", "Claudia Neumann", "claudia.neumann@musterstadt.de"),
    ("Schulen & Sport", "SCH", "Lukas Braun", "lukas.braun@musterstadt.de"),
    ("Bauamt", "BA", "Jörg Großmann", "joerg.grossmann@musterstadt.de"),
    ("Hauptamt", "HA", "Grete Fuß", "grete.fuss@musterstadt.de"),
]


def make_kommune(session: Session, *, leave_out: tuple[str, ...] = ()) -> dict[str, Department]:
    """The departments and lotsen the sample lists name (but those left out), by short code."""
    found = {}
    for name, code, lotse, email in KOMMUNE:
        if name in leave_out:
            continue
        found[code] = make_department(session, name=name, code=code)
        make_lotse(session, name=lotse, email=email, department_id=found[code].id)
    return found
