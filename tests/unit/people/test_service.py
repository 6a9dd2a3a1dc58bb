import pytest
from sqlmodel import Session

from app.errors import Conflict, InvalidInput
from app.events import names
from app.events import service as events
from app.people import service as people
from app.people.models import DepartmentUpdate, LotseUpdate
from tests.factories import ACTOR, make_board, make_card, make_department, make_lotse


def test_department_name_and_code_are_unique(session: Session) -> None:
    make_department(session, name="Bauamt", code="BA")
    with pytest.raises(Conflict):
        make_department(session, name="Bauamt", code="B2")
    session.rollback()
    with pytest.raises(Conflict):
        make_department(session, name="Bauverwaltung", code="BA")
    session.rollback()
    assert [d.code for d in people.list_departments(session)] == ["BA"]


def test_department_edit_and_deactivate_are_logged_in_the_global_stream(session: Session) -> None:
    department = make_department(session, name="Ordnungsamt", code="OA", colour="#123456")
    people.update_department(
        session,
        department_id=department.id,
        data=DepartmentUpdate(colour="#654321", active=False),
        actor="CDO",
    )
    log = events.list_global_events(session)
    assert [(e.seq, e.type) for e in log] == [
        (1, names.DEPARTMENT_CREATED),
        (2, names.DEPARTMENT_UPDATED),
    ]
    assert log[1].payload == {
        "before": {"colour": "#123456", "active": True},
        "after": {"colour": "#654321", "active": False},
    }
    assert people.list_departments(session, include_inactive=False) == []


def test_null_for_required_department_field_is_refused(session: Session) -> None:
    department = make_department(session)
    with pytest.raises(InvalidInput):
        people.update_department(
            session, department_id=department.id, data=DepartmentUpdate(name=None), actor=ACTOR
        )


def test_referenced_department_and_lotse_cannot_be_deleted(session: Session) -> None:
    board = make_board(session)
    department = make_department(session)
    lotse = make_lotse(session, department_id=department.id)
    make_card(session, board, lotse_id=lotse.id)
    with pytest.raises(Conflict):
        people.delete_department(session, department_id=department.id, actor=ACTOR)
    session.rollback()
    with pytest.raises(Conflict):
        people.delete_lotse(session, lotse_id=lotse.id, actor=ACTOR)
    session.rollback()
    assert people.get_lotse(session, lotse_id=lotse.id).name == lotse.name


def test_unreferenced_department_can_be_deleted(session: Session) -> None:
    department = make_department(session)
    people.delete_department(session, department_id=department.id, actor=ACTOR)
    assert people.list_departments(session) == []
    assert events.list_global_events(session)[-1].type == names.DEPARTMENT_DELETED


def test_lotse_needs_an_active_department(session: Session) -> None:
    active = make_department(session)
    inactive = make_department(session)
    people.update_department(
        session, department_id=inactive.id, data=DepartmentUpdate(active=False), actor=ACTOR
    )
    with pytest.raises(InvalidInput):
        make_lotse(session, department_id=inactive.id)
    session.rollback()
    lotse = make_lotse(session, department_id=active.id)
    with pytest.raises(InvalidInput):
        people.update_lotse(
            session, lotse_id=lotse.id, data=LotseUpdate(department_id=inactive.id), actor=ACTOR
        )
    session.rollback()
    people.update_lotse(session, lotse_id=lotse.id, data=LotseUpdate(active=False), actor=ACTOR)
    assert people.list_lotsen(session, include_inactive=False) == []
    assert [lo.id for lo in people.list_lotsen(session, department_id=active.id)] == [lotse.id]
