"""Every UI string is translated, and the language follows the setting, cookie or browser."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.settings import ROOT_DIR
from app.web import i18n

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "Conflict": None,
    "DomainError": None,
    "InvalidInput": (2,),
}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_msgids() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT_DIR), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalogue(language: str):  # type: ignore[no-untyped-def]
    path = i18n.CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_catalogue_translates_every_ui_string(language: str) -> None:
    catalogue = _catalogue(language)
    translated = {
        (m.id if isinstance(m.id, str) else tuple(m.id)): m.string for m in catalogue if m.id
    }
    missing = [msgid for msgid in _source_msgids() if not translated.get(msgid)]
    assert missing == [], f"run `make translations` and translate: {missing}"


def test_german_translations_keep_their_placeholders() -> None:
    for message in _catalogue("de"):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        # %(name)s is filled in by Python, {name} by the page script.
        placeholder = r"%\(\w+\)s|\{\w+\}"
        expected = set(re.findall(placeholder, " ".join(ids)))
        for string in strings:
            assert set(re.findall(placeholder, string)) == expected, message.id


def test_german_is_formal() -> None:
    informal = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)
    offenders = [m.string for m in _catalogue("de") if m.id and informal.search(str(m.string))]
    assert offenders == []


@pytest.mark.parametrize(
    ("cookie", "accept", "configured", "expected"),
    [
        (None, "en-US,en;q=0.9", "de", "de"),
        (None, "en-US,en;q=0.9", "auto", "en"),
        (None, "fr-FR,de;q=0.8,en;q=0.5", "auto", "de"),
        (None, None, "auto", "de"),
        ("en", "de-DE", "de", "en"),
        ("xx", "de-DE", "en", "en"),
    ],
)
def test_language_choice(
    cookie: str | None, accept: str | None, configured: str, expected: str
) -> None:
    assert i18n.pick_language(cookie, accept, configured) == expected


@pytest.mark.parametrize(
    ("size", "german", "english"),
    [
        (5 * 1024 * 1024, "5 MB", "5 MB"),
        (1536 * 1024, "1,5 MB", "1.5 MB"),
        (200 * 1024, "200 KB", "200 KB"),
        (900, "900 Bytes", "900 Bytes"),
        (2_067_152, "1,9 MB", "1.9 MB"),  # 1.97: never shown as more than it is
        (1024 * 1024 - 1, "1.023,9 KB", "1,023.9 KB"),
    ],
)
def test_file_sizes_read_as_people_say_them(size: int, german: str, english: str) -> None:
    with i18n.speaking("de"):
        assert i18n.size_format(size) == german
    with i18n.speaking("en"):
        assert i18n.size_format(size) == english
