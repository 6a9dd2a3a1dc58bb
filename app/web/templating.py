"""Jinja2 templates with block fragments, translations and German formatting."""

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pyphen
from jinja2 import pass_context
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, escape
from starlette.datastructures import URLPath

from app import clock
from app.accounts.access import hides_actors
from app.annotations import texts as annotation_texts
from app.annotations.queries import excerpt
from app.cards.texts import change_label
from app.digest import texts as digest_texts
from app.reports import presentation as report_presentation
from app.settings import ROOT_DIR, get_settings
from app.web import i18n
from app.web.markdown import render_markdown

templates = Jinja2Blocks(directory=ROOT_DIR / "templates")


URL_PATHS_KEPT = 4096


@pass_context
def url_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """Starlette's `url_for`, with the route looked up once per name and values: the lookup
    walks every route, and a board page asks for the same few addresses again and again.
    Kept per app (its router cannot be a cache key)."""
    request = context["request"]
    state = request.app.state
    paths: dict[tuple[str, tuple[tuple[str, Any], ...]], URLPath] | None = getattr(
        state, "url_paths", None
    )
    if paths is None:
        paths = state.url_paths = {}
    key = (name, tuple(sorted(params.items())))
    try:
        path = paths.get(key)
    except TypeError:  # a value that cannot be a cache key
        path = request.app.router.url_path_for(name, **params)
    else:
        if path is None:
            if len(paths) >= URL_PATHS_KEPT:
                paths.clear()
            path = paths[key] = request.app.router.url_path_for(name, **params)
    return str(path.make_absolute_url(base_url=request.base_url))


templates.env.globals["url_for"] = url_for
# Templates change with a new release, which restarts the server: no file check per render.
templates.env.auto_reload = False
i18n.install(templates.env)


def is_overdue(value: date | None) -> bool:
    if value is None:
        return False
    return value < clock.now().astimezone(get_settings().zone).date()


SOFT_HYPHEN = "\u00ad"
LONG_LETTERS = re.compile(r"[^\W\d_]{10,}")  # shorter words always fit a screen column


@lru_cache(maxsize=1)
def _german() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="de_DE", left=3, right=3)


def load_templates() -> None:
    """Compile every template now (about 0.45 s for all), not in the first request of each."""
    for name in templates.env.list_templates():
        templates.env.get_template(name)


def load_hyphenation() -> None:
    """Read the German hyphenation patterns now (about 0.4 s), not in the first wall screen
    or board as it was that needs them."""
    _german()


@lru_cache(maxsize=8192)
def _hyphenated(word: str) -> str:
    return str(_german().inserted(word, hyphen=SOFT_HYPHEN))


def hyphenate(text: str) -> str:
    """Soft hyphens at the German syllable breaks of long words: a narrow column (the wall
    screen's large type) breaks such a word with a hyphen instead of cutting it anywhere.
    Only runs of letters: "Test/Pilot" or "E-Akte" keep their own break points."""
    if SOFT_HYPHEN in text:
        return text
    return LONG_LETTERS.sub(lambda found: _hyphenated(found.group(0)), text)


def days_since(value: datetime | None) -> int:
    """Whole days from a moment until now."""
    return 0 if value is None else (clock.now() - value).days


FACES_KEPT = 10_000
_faces: dict[tuple[Any, ...], Markup] = {}


def card_face(
    card: Any,
    departments: dict[int, Any],
    lotsen: dict[int, Any],
    marks: dict[int, Any] | None,
    stuck_after: int | None,
    qs: Any,
    done: bool,
    readonly: bool,
) -> Markup:
    """A card face (templates/cards/card.html), rendered once per distinct look.

    The key holds everything the face shows, so it can never show a stale card: a changed
    card, concern, department, lotse, language, view, day or phase makes a new key, and the
    old face is simply not asked for again. Nothing in it depends on who looks (pages check
    access before they render). A board of 500 cards spent a third of its page rendering
    faces that had not changed since the last view."""
    department = departments.get(card.department_id)
    lotse = lotsen.get(card.lotse_id)
    mark = marks.get(card.id) if marks else None
    days_here = days_since(card.phase_since)
    stuck = days_here if stuck_after and days_here >= stuck_after and not done else None
    key = (
        card.id,
        card.title,
        card.priority,
        card.size,
        card.due_date,
        is_overdue(card.due_date) and not done,
        tuple(card.tags),
        (department.name, department.code, department.colour) if department else None,
        lotse.name if lotse else None,
        (
            mark.concerns,
            mark.concern_severity,
            mark.resistances,
            mark.resistance_severity,
            mark.blocking,
            mark.blocked_by,
        )
        if mark
        else None,
        stuck,
        str(qs or ""),
        bool(readonly),
        i18n.current_language(),
    )
    face = _faces.get(key)
    if face is None:
        if len(_faces) >= FACES_KEPT:
            _faces.clear()  # rare: a new set of faces is rendered again as pages ask
        face = _card_macro()(card, departments, lotsen, marks, stuck_after, qs, done, readonly)
        _faces[key] = face
    return face


def _card_macro() -> Any:
    return templates.env.get_template("cards/card.html").module.card_face  # type: ignore[attr-defined]


def csrf_token(request: Any) -> str:
    """The session's CSRF token ("" without a cookie session)."""
    principal = getattr(request.state, "principal", None)
    return (principal.csrf_token or "") if principal is not None else ""


def csrf_field(request: Any) -> Markup:
    """The hidden form field that plain (non-htmx) forms send the CSRF token in."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(
        csrf_token(request)
    )


def principal_of(request: Any) -> Any:
    return getattr(request.state, "principal", None)


def shows_actors(request: Any) -> bool:
    """Whether the page may name who changed what (see `hides_actors`)."""
    return not hides_actors(principal_of(request), request.app.state.settings)


def live_texts() -> dict[str, str]:
    """What the live page script says, in the page's language (`{name}` is filled in there)."""
    n = {"num": "{num}", "shown": "{shown}"}
    counter = ("%(shown)s of %(num)s measure", "%(shown)s of %(num)s measures")
    cards = ("%(num)s card", "%(num)s cards")
    return {
        "counter_one": i18n.ngettext(*counter, 1, **n),
        "counter_other": i18n.ngettext(*counter, 2, **n),
        "cards_one": i18n.ngettext(*cards, 1, **n),
        "cards_other": i18n.ngettext(*cards, 2, **n),
        "live": i18n.gettext("Live"),
        "connecting": i18n.gettext("Connecting …"),
        "retrying": i18n.gettext("Connection lost – retrying in {seconds} s"),
        "polling": i18n.gettext("No live connection – updating every {seconds} s"),
    }


templates.env.filters["markdown"] = render_markdown
templates.env.globals["live_texts"] = live_texts
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["csrf_field"] = csrf_field
templates.env.globals["principal_of"] = principal_of
templates.env.globals["shows_actors"] = shows_actors
templates.env.filters["date_de"] = i18n.date_format
templates.env.filters["datetime_de"] = i18n.datetime_format
templates.env.filters["when"] = i18n.when_format
templates.env.filters["weekday"] = i18n.weekday_format
templates.env.filters["number"] = i18n.number_format
templates.env.filters["duration"] = i18n.duration_format
templates.env.filters["days_since"] = days_since
templates.env.filters["hyphenate"] = hyphenate
templates.env.tests["overdue"] = is_overdue
templates.env.filters["change_label"] = change_label
templates.env.filters["excerpt"] = excerpt
templates.env.filters["report_cell"] = report_presentation.cell_text
templates.env.globals["flow_summary"] = report_presentation.summary_text
templates.env.filters["kind_label"] = annotation_texts.kind_label
templates.env.filters["kinds_label"] = annotation_texts.kinds_label
templates.env.filters["severity_label"] = annotation_texts.severity_label
templates.env.filters["status_label"] = annotation_texts.status_label
templates.env.globals["current_language"] = i18n.current_language
templates.env.globals["language_name"] = i18n.language_name
templates.env.globals["default_language"] = i18n.default_language
templates.env.globals["LANGUAGES"] = i18n.LANGUAGES
templates.env.globals["card_face"] = card_face
templates.env.globals["schedule_text"] = digest_texts.schedule_text
templates.env.globals["delivery_status"] = digest_texts.delivery_status
