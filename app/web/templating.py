"""Jinja2 templates with block fragments, translations and German formatting."""

from datetime import date

from jinja2_fragments.fastapi import Jinja2Blocks

from app import clock
from app.cards.texts import change_label
from app.settings import ROOT_DIR, get_settings
from app.web import i18n

templates = Jinja2Blocks(directory=ROOT_DIR / "templates")
i18n.install(templates.env)


def is_overdue(value: date | None) -> bool:
    if value is None:
        return False
    return value < clock.now().astimezone(get_settings().zone).date()


templates.env.filters["date_de"] = i18n.date_format
templates.env.filters["datetime_de"] = i18n.datetime_format
templates.env.filters["number"] = i18n.number_format
templates.env.tests["overdue"] = is_overdue
templates.env.filters["change_label"] = change_label
templates.env.globals["current_language"] = i18n.current_language
templates.env.globals["language_name"] = i18n.language_name
templates.env.globals["LANGUAGES"] = i18n.LANGUAGES
