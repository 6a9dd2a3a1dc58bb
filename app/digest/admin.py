"""The weekly digest for admins: the mail settings in effect with a test mail, external
recipients, a preview of anyone's digest as mailed, and the delivery log."""

from collections import Counter
from email.message import EmailMessage
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from app.accounts.access import Admin, Principal
from app.accounts.models import User
from app.cards.texts import error_message
from app.db import SessionDep
from app.digest import content, sending, subscriptions
from app.digest.models import DigestDelivery
from app.errors import Conflict, DomainError, InvalidInput
from app.people.service import list_departments
from app.settings import Settings
from app.types import Email, PathId
from app.web.errors import status_for
from app.web.forms import form_ids, run_form
from app.web.htmx import render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

PAGE = "/settings/wochenuebersicht"
LOG_ROWS = 200
Key = Annotated[str, Path(pattern=r"^[ux][0-9]{1,9}$")]
WeekQuery = Annotated[str | None, Query(alias="woche", max_length=8)]
Text = Annotated[str, Form(max_length=1000)]

# The mail as mailed, shown in a frame of the preview page: its own styles, nothing else.
MAIL_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _page(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    week = content.week_of()
    deliveries = session.exec(
        select(DigestDelivery)
        .order_by(col(DigestDelivery.week).desc(), col(DigestDelivery.email))
        .limit(LOG_ROWS)
    ).all()
    # Per week, what needs an admin first, then the rest by address.
    deliveries = sorted(
        deliveries, key=lambda row: (row.week, row.status in sending.AGAIN), reverse=True
    )
    weeks: dict[str, Counter[str]] = {}
    for row in deliveries:
        weeks.setdefault(row.week, Counter())[row.status] += 1
    principal_email = ""
    if request.state.principal and request.state.principal.user_id:
        user = session.get(User, request.state.principal.user_id)
        principal_email = user.email if user else ""
    context: dict[str, Any] = {
        "settings": settings,
        "enabled": sending.configured(settings),
        "week": week,
        "recipients": subscriptions.recipients(session),
        "externals": subscriptions.list_externals(session),
        "departments": {d.id: d for d in list_departments(session)},
        "deliveries": deliveries,
        "weeks": weeks,
        "again": sending.AGAIN,
        "own_email": principal_email,
        "error": error,
        "notice": notice,
    }
    return render(request, "digest/admin.html", context, status_code=status)


def _apply(request: Request, session: Session, action: Any) -> Response:
    return run_form(
        session,
        action,
        done=PAGE,
        refused=lambda error, status: _page(request, session, error=error, status=status),
    )


@router.get(PAGE, response_class=HTMLResponse)
def digest_admin_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """Mail settings in effect, recipients, external recipients and the delivery log."""
    return _page(request, session)


DepartmentIds = Annotated[list[str] | None, Form()]
Choice = Annotated[str, Form(max_length=10)]


def _save(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict[str, Any],
    subscription_id: int | None = None,
) -> Response:
    def save() -> object:
        ids = form_ids(values.pop("department_ids"), "department_ids")
        data = subscriptions.External.model_validate({**values, "department_ids": ids})
        return subscriptions.save_external(
            session, data=data, actor=principal.name, subscription_id=subscription_id
        )

    return _apply(request, session, save)


@router.post(f"{PAGE}/extern")
def external_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    name: Text = "",
    email: Text = "",
    department_ids: DepartmentIds = None,
    language: Choice = "",
) -> Response:
    """Add an external recipient (no account), scoped to departments."""
    values = {"name": name, "email": email, "department_ids": department_ids, "language": language}
    return _save(request, session, principal, values)


@router.post(f"{PAGE}/extern/{{subscription_id}}")
def external_update_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    subscription_id: PathId,
    name: Text = "",
    email: Text = "",
    department_ids: DepartmentIds = None,
    language: Choice = "",
    active: Choice = "",
) -> Response:
    """Change an external recipient: address, name, departments, language, paused or not."""
    values = {
        "name": name,
        "email": email,
        "department_ids": department_ids,
        "language": language,
        "active": active == "true",
    }
    return _save(request, session, principal, values, subscription_id)


@router.post(f"{PAGE}/extern/{{subscription_id}}/entfernen")
def external_remove_form(
    request: Request, session: SessionDep, principal: Admin, subscription_id: PathId
) -> Response:
    """Remove an external recipient."""
    return _apply(
        request,
        session,
        lambda: subscriptions.remove_external(
            session, subscription_id=subscription_id, actor=principal.name
        ),
    )


def _mailer(settings: Settings) -> sending.Mailer:
    if not sending.configured(settings):
        raise Conflict("no mail server is set (LOTSENBOARD_SMTP_HOST, LOTSENBOARD_MAIL_FROM)")
    return sending.smtp_mailer(settings)


def _address(value: str) -> str:
    try:
        return str(TypeAdapter(Email).validate_python(value))
    except ValidationError:
        raise InvalidInput("to", "is not a valid email address") from None


@router.post(f"{PAGE}/testmail", response_class=HTMLResponse)
def test_mail_form(
    request: Request, session: SessionDep, principal: Admin, to: Text = ""
) -> Response:
    """Hand a short mail to the configured server and say what it answered."""
    settings: Settings = request.app.state.settings
    try:
        address = _address(to)
        mailer = _mailer(settings)
    except DomainError as error:
        return _page(request, session, error=error_message(error), status=status_for(error))
    # Talking to the mail server can take a while: hold no database lock meanwhile.
    session.rollback()
    trouble = sending.test_mail(settings, to=address, mailer=mailer)
    if trouble:
        said = _("The mail server did not take the test mail: %(answer)s", answer=trouble)
        return _page(request, session, error=said, status=502)
    done = _("The mail server took the test mail for %(address)s.", address=address)
    return _page(request, session, notice=done)


@router.post(f"{PAGE}/versand/{{delivery_id}}/erneut")
def send_again_form(
    request: Request, session: SessionDep, principal: Admin, delivery_id: PathId
) -> Response:
    """Send a failed, refused or uncertain delivery once more, now."""
    settings: Settings = request.app.state.settings
    try:
        mailer = _mailer(settings)
        # Sending writes in sessions of its own; this one must not hold the lock meanwhile.
        session.rollback()
        sending.send_again(
            request.app.state.db,
            delivery_id=delivery_id,
            settings=settings,
            mailer=mailer,
            actor=principal.name,
        )
    except DomainError as error:
        return _page(request, session, error=error_message(error), status=status_for(error))
    return see_other(f"{PAGE}#versand")


def _preview(
    request: Request, session: Session, key: str, week: str | None
) -> tuple[subscriptions.Recipient, content.Week, EmailMessage]:
    recipient = subscriptions.recipient_of(session, key)
    chosen = content.week_of(week)
    _digest, message = sending.message_for(session, recipient, chosen, request.app.state.settings)
    return recipient, chosen, message


@router.get(f"{PAGE}/vorschau/{{key}}", response_class=HTMLResponse)
def preview_page(
    request: Request, session: SessionDep, principal: Admin, key: Key, week: WeekQuery = None
) -> HTMLResponse:
    """Anyone's digest of a week as it is (or was) mailed: subject, HTML and text part."""
    recipient, chosen, message = _preview(request, session, key, week)
    plain = message.get_body(("plain",))
    context = {
        "recipient": recipient,
        "week": chosen,
        "subject": message["Subject"],
        "text": plain.get_content() if plain is not None else "",
    }
    return render(request, "digest/preview.html", context)


@router.get(f"{PAGE}/vorschau/{{key}}/mail", response_class=HTMLResponse)
def preview_mail(
    request: Request, session: SessionDep, principal: Admin, key: Key, week: WeekQuery = None
) -> HTMLResponse:
    """The HTML part alone, byte for byte as mailed, for the preview's frame."""
    _recipient, _week, message = _preview(request, session, key, week)
    html = message.get_body(("html",))
    return HTMLResponse(
        html.get_content() if html is not None else "",
        headers={"Content-Security-Policy": MAIL_POLICY, "X-Frame-Options": "SAMEORIGIN"},
    )
