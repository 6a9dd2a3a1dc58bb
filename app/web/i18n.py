"""Translations and locale formatting: German by default, English available.

Message ids are English; `app/translations/<lang>/LC_MESSAGES/messages.po` hold the catalogues,
read directly at start-up, so there is no compile step.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from io import BytesIO
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import ROOT_DIR, get_settings

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANGUAGE_COOKIE = "lotsenboard_lang"
CATALOGUES = ROOT_DIR / "app" / "translations"
_LOCALES = {"de": "de_DE", "en": "en_GB"}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@lru_cache
def translations(language: str) -> Translations:
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_language() -> str:
    return _language.get()


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Everything inside says it in `language` (a mail to someone who chose it, not the
    language of the request that happens to send it); unknown or none: the default."""
    token = _language.set(language if language in LANGUAGES else default_language())
    try:
        yield
    finally:
        _language.reset(token)


def default_language() -> str:
    """The instance's language when nobody chose one: the configured one, else German."""
    configured = get_settings().language
    return configured if configured in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache
def _locale(language: str) -> Locale:
    return Locale.parse(_LOCALES[language])


def locale() -> Locale:
    """The request's Babel locale, parsed once per language (not on every date formatted)."""
    return _locale(current_language())


def gettext(msgid: str, /, **values: Any) -> str:
    """The message in the request's language, with `%(name)s` values filled in."""
    text = translations(current_language()).ugettext(msgid)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, /, **values: Any) -> str:
    text = translations(current_language()).ungettext(singular, plural, count)
    return text % {"num": count, **values}


def _plain_gettext(message: str) -> str:
    # Jinja's newstyle gettext fills in (and escapes) the values itself.
    return translations(current_language()).ugettext(message)


def _plain_ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language()).ungettext(singular, plural, count)


def install(env: Any) -> None:
    """Give a Jinja2 environment `_`, `gettext` and `ngettext` for the request's language."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_plain_gettext, _plain_ngettext, newstyle=True)


def pick_language(cookie: str | None, accept_language: str | None, configured: str) -> str:
    """A chosen language (cookie), else the configured one, else the browser's (`auto`)."""
    if cookie in LANGUAGES:
        return cookie
    if configured in LANGUAGES:
        return configured
    weighted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower()[:2]))
    for _quality, language in sorted(weighted, key=lambda item: -item[0]):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


class LanguageMiddleware:
    """Sets the language for everything that runs for one request."""

    def __init__(self, app: ASGIApp, configured: str = DEFAULT_LANGUAGE) -> None:
        self.app = app
        self.configured = configured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie = cookie_parser(headers.get("cookie", "")).get(LANGUAGE_COOKIE)
        language = pick_language(cookie, headers.get("accept-language"), self.configured)
        token = _language.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            _language.reset(token)


def date_format(value: date | None, style: str = "medium") -> str:
    return "" if value is None else format_date(value, format=style, locale=locale())


def datetime_format(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=style, tzinfo=get_settings().zone, locale=locale())


def weekday_format(value: date) -> str:
    return format_date(value, "EEEE", locale=locale())


def when_format(value: datetime) -> str:
    """A meeting's date and time as people write it: "Di., 8. Dez. 2026, 10:00"."""
    moment = value.astimezone(get_settings().zone)
    day = format_skeleton("yMMMEd", moment, locale=locale())
    return f"{day}, {format_time(moment, 'short', locale=locale())}"


def duration_format(value: timedelta) -> str:
    """A length of time as people say it: "3 Tage", "5 Stunden"."""
    return format_timedelta(value, threshold=1.5, locale=locale())


def number_format(value: float | int) -> str:
    return format_decimal(value, locale=locale())


def size_format(size: int) -> str:
    """A file size as people read it: "5 MB", "1,5 MB", "200 KB" (units of 1024), rounded
    down: a limit is never shown larger than it is."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            tenths = size * 10 // factor
            amount = format_decimal(tenths / 10, format="#,##0.#", locale=locale())
            return f"{amount} {unit}"
    return f"{format_decimal(size, locale=locale())} Bytes"


def language_name(language: str) -> str:
    return (Locale.parse(language).get_display_name(language) or language).capitalize()
