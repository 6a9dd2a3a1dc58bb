"""Anonymising a person who left: her name and e-mail address are replaced everywhere they are
stored, by a pseudonym; what she did (cards, concerns, minutes, the Verlauf) stays.

The pseudonym is "Ehemalige Person N", N the instance-wide seq of the `person.anonymised`
event that records it: handed out under the instance stream's lock, never twice (the retention
keeps the newest instance-wide event, so no seq is reused), and the admin finds the event by it.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, String, Table, bindparam, cast, delete, func, or_, update
from sqlmodel import Session, col, select

from app import clock
from app.accounts import service as accounts
from app.accounts.models import (
    ApiToken,
    LoginFailure,
    LoginSession,
    PasswordReset,
    Role,
    SavedView,
    User,
)
from app.errors import Conflict
from app.events import service as events
from app.models import metadata
from app.people.models import Lotse
from app.privacy.person import person_of
from app.reports.history import replays
from app.reports.past import pasts
from app.web.answers import answers

PERSON_ANONYMISED = accounts.PERSON_ANONYMISED
PSEUDONYM = "Ehemalige Person {n}"
ADDRESS = "anonym-{n}@anonym.invalid"
# What a password hash is when no password opens the account.
UNUSABLE_PASSWORD = "!"
# Random secrets, never text about anyone (besides every `*_hash` column).
SKIPPED_COLUMNS = {"csrf_token"}
# Columns and JSON keys holding an address: an old address there becomes the new address.
ADDRESS_FIELDS = ("email", "contact")
LIKE_ESCAPE = "!"

_ALNUM = r"[^\W_]"


def anonymise(
    session: Session, *, user_id: int | None = None, lotse_id: int | None = None, actor: str
) -> str:
    """Replace a person's name and address everywhere by a pseudonym (returned), end her
    account's logins and links, and log it; commits. The account and its lotse go together."""
    user, lotse = person_of(session, user_id=user_id, lotse_id=lotse_id)
    _refuse(session, user, lotse)
    now = clock.now()
    record = events.append(
        session, board_id=None, type=PERSON_ANONYMISED, actor=actor, payload={}, at=now
    )
    pseudonym = PSEUDONYM.format(n=record.seq)
    address = ADDRESS.format(n=record.seq)
    record.payload = {
        "user_id": user.id if user else None,
        "lotse_id": lotse.id if lotse else None,
        "pseudonym": pseudonym,
    }
    old = Replacer(
        names=[p.name for p in (user, lotse) if p is not None],
        emails=[p.email for p in (user, lotse) if p is not None and p.email],
        pseudonym=pseudonym,
        address=address,
        keep=_others(session, user, lotse),
    )
    if user is not None:
        _end_account(session, user, old.emails)
    # First everywhere, then the person's own rows: a name like "Person" must not be found
    # again inside the pseudonym just written.
    replace_everywhere(session, old)
    if user is not None:
        user.name, user.email = pseudonym, address
        user.active = False
        user.password_hash = UNUSABLE_PASSWORD
        user.external_id = None
        user.anonymised_at = user.updated_at = now
        session.add(user)
    if lotse is not None:
        lotse.name, lotse.email = pseudonym, None
        lotse.active = False
        lotse.anonymised_at = lotse.updated_at = now
        session.add(lotse)
    session.flush()
    # Rows were changed behind the ORM's back: whatever it holds is read again.
    session.expire_all()
    events.commit(session)
    # Kept in this process's memory: pages and replays that may show the old name.
    replays.clear()
    pasts.clear()
    answers.clear()
    return pseudonym


def _others(session: Session, user: User | None, lotse: Lotse | None) -> list[str]:
    """Everyone else's names: a mention that may be one of them stays."""
    users = select(User.name).where(col(User.id) != (user.id if user else -1))
    lotsen = select(Lotse.name).where(col(Lotse.id) != (lotse.id if lotse else -1))
    return [*session.exec(users), *session.exec(lotsen)]


def _refuse(session: Session, user: User | None, lotse: Lotse | None) -> None:
    if any(p is not None and p.anonymised_at is not None for p in (user, lotse)):
        raise Conflict("this person is anonymised already")
    if user is not None and user.role == Role.admin and user.active:
        admins = session.exec(
            select(func.count()).where(User.role == Role.admin, col(User.active).is_(True))
        ).one()
        if admins <= 1:
            raise Conflict("the last active admin cannot be anonymised")


def _end_account(session: Session, user: User, emails: Iterable[str]) -> None:
    """Logins and tokens end; reset links, saved views and failed-login records go."""
    # An ended login keeps no provider token (it holds her name and address, encoded where no
    # search finds them); every way a login ends drops it.
    session.execute(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user.id, col(LoginSession.revoked_at).is_(None))
        .values(**accounts.ended_values())
    )
    session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )
    session.execute(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    session.execute(delete(SavedView).where(col(SavedView.user_id) == user.id))
    lowered = sorted({email.lower() for email in emails})
    session.execute(delete(LoginFailure).where(func.lower(LoginFailure.email).in_(lowered)))


@dataclass
class Replacer:
    """Finds a person's names and addresses in text and JSON, and what replaces them.

    Case is ignored. A name counts only as a whole word (a lotse "Anna" is not in "Annahme",
    "Anna Berg" not in "Anna Berg-Stein", another person), a trailing genitive "s" is allowed
    ("Anna Bergs Vorschlag"); an address only as a whole address. The surname alone counts
    where it plainly names her: "Frau Berg", "Herrn Dr. Berg", "Berg, Anna", "A. Berg"; bare,
    it stays ("Berg" is also a word, "Weber" another person). Where one of the people in
    `keep` has the same surname (or initial and surname), only the forms with her given name
    count: "Frau Berg" may be the other one."""

    names: list[str]
    emails: list[str]
    pseudonym: str
    address: str
    keep: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = _distinct(self.names)
        self.emails = _distinct(self.emails)
        self._emails = {email.casefold() for email in self.emails}
        self._surnames = _distinct(_surname(n) for n in self.names)
        kept = [_parts(n) for n in self.keep]
        others = {parts[-1].casefold() for parts in kept if len(parts) > 1}
        others_initials = {(p[0][0] + p[-1]).casefold() for p in kept if len(p) > 1}
        written = [re.escape(n) for n in self.names] + [
            form for n in self.names for form in _surname_forms(n, others, others_initials)
        ]
        parts = [
            rf"(?<![\w.+-]){re.escape(e)}(?![\w-]|\.{_ALNUM})"
            for e in sorted(self.emails, key=len, reverse=True)
        ] + [
            rf"(?<!{_ALNUM})(?<!{_ALNUM}-)(?:{form})(?=(?:s|'s|’s)?(?!{_ALNUM}|-{_ALNUM}))"
            for form in sorted(written, key=len, reverse=True)
        ]
        # One pass over the text: what was put in is not searched again. Nothing to find:
        # a pattern that never matches (an empty one would match everywhere).
        self._pattern = re.compile("|".join(parts) or "(?!)", re.IGNORECASE)

    @property
    def values(self) -> list[str]:
        """What a row must contain to be looked at (the surname covers all its forms)."""
        return self.emails + self.names + self._surnames

    def text(self, value: str, *, address_field: bool = False) -> str:
        def new(match: re.Match[str]) -> str:
            if match.group(0).casefold() in self._emails and address_field:
                return self.address
            return self.pseudonym

        return self._pattern.sub(new, value)

    def json(self, value: Any, *, address_field: bool = False) -> Any:
        """The same JSON value with the old names and addresses replaced (new containers)."""
        if isinstance(value, str):
            return self.text(value, address_field=address_field)
        if isinstance(value, list):
            return [self.json(item, address_field=address_field) for item in value]
        if isinstance(value, dict):
            return {
                self.text(key): self.json(item, address_field=_is_address(key))
                for key, item in value.items()
            }
        return value


# How a surname is written where it names a person: after a salutation (and titles).
_SALUTATION = r"(?:Frau\s+|Herrn?\s+|Fr\.\s*|Hr\.\s*)(?:(?:Dr|Prof)\.\s*)*"


def _surname(name: str) -> str:
    parts = _parts(name)
    return parts[-1] if len(parts) > 1 else ""


def _parts(name: str) -> list[str]:
    """A name's words without titles ("Dr.", "Prof.")."""
    return [p for p in name.split() if not p.endswith(".")]


def _surname_forms(name: str, others: set[str], others_initials: set[str]) -> list[str]:
    """Patterns of the forms "Frau [Jana] Kuhn", "Kuhn, Jana" and "J. Kuhn"; the given name
    is needed where another person has the surname (or initial and surname) too."""
    parts = _parts(name)
    if len(parts) < 2:
        return []
    given = r"\s+".join(re.escape(p) for p in parts[:-1])
    surname = re.escape(parts[-1])
    forms = [rf"{surname},\s*{given}"]
    if parts[-1].casefold() in others:
        forms.append(rf"{_SALUTATION}{given}\s+{surname}")
    else:
        forms.append(rf"{_SALUTATION}(?:{given}\s+)?{surname}")
    if (parts[0][0] + parts[-1]).casefold() not in others_initials:
        forms.append(rf"{re.escape(parts[0][0])}\.\s*{surname}")
    return forms


def _distinct(values: Iterable[str]) -> list[str]:
    found: dict[str, str] = {}
    for value in values:
        value = value.strip()
        if value:
            found.setdefault(value.casefold(), value)
    return list(found.values())


def _is_address(name: str) -> bool:
    return name.lower().endswith(ADDRESS_FIELDS)


def replace_everywhere(session: Session, replacer: Replacer) -> dict[str, int]:
    """Replace the old values in every text and JSON column of every table; rows changed per
    table. Only rows whose column contains an old value are read (LIKE, JSON as its text)."""
    changed: dict[str, int] = {}
    for table in metadata.sorted_tables:
        count = _replace_in_table(session, table, replacer)
        if count:
            changed[table.name] = count
    return changed


def _searched_columns(table: Table) -> tuple[list[Column[Any]], list[Column[Any]]]:
    texts: list[Column[Any]] = []
    documents: list[Column[Any]] = []
    for column in table.columns:
        if column.primary_key or column.name.endswith("_hash") or column.name in SKIPPED_COLUMNS:
            continue
        if isinstance(column.type, JSON):
            documents.append(column)
        elif isinstance(column.type, String):
            texts.append(column)
    return texts, documents


def _like(value: str) -> str:
    escaped = value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
    escaped = escaped.replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def _json_forms(value: str) -> set[str]:
    """How a string may appear in a JSON column's text: as is (PostgreSQL's JSONB), or as
    `json.dumps` wrote it (SQLite keeps that text: non-ASCII as \\uXXXX, quotes escaped)."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def _replace_in_table(session: Session, table: Table, replacer: Replacer) -> int:
    texts, documents = _searched_columns(table)
    keys = list(table.primary_key.columns)
    if not (texts or documents) or not keys:
        return 0
    wanted = [
        column.ilike(_like(v), escape=LIKE_ESCAPE) for column in texts for v in replacer.values
    ]
    wanted += [
        cast(column, String).ilike(_like(form), escape=LIKE_ESCAPE)
        for column in documents
        for value in replacer.values
        for form in _json_forms(value)
    ]
    rows = session.execute(
        select(*keys, *texts, *documents).where(or_(*wanted)).order_by(*keys)
    ).all()
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        values = dict(zip([c.name for c in keys + texts + documents], row, strict=True))
        new: dict[str, Any] = {}
        for column in texts:
            old = values[column.name]
            if old is None:
                continue
            found = replacer.text(old, address_field=_is_address(column.name))
            length = getattr(column.type, "length", None)
            if found != old:
                new[column.name] = found[:length] if length else found
        for column in documents:
            old = values[column.name]
            found = replacer.json(old)
            if found != old:
                new[column.name] = found
        if new:
            row_params = {f"key_{c.name}": values[c.name] for c in keys}
            row_params.update({f"new_{name}": value for name, value in new.items()})
            batches.setdefault(tuple(sorted(new)), []).append(row_params)
    for names, params in batches.items():
        statement = (
            update(table)
            .where(*[c == bindparam(f"key_{c.name}", type_=c.type) for c in keys])
            .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names})
        )
        session.connection().execute(statement, params)
    return sum(len(p) for p in batches.values())
