"""The annotations table of the Auswertung gives, per week, the totals the chart shows and then
raised and resolved per category — on the page and in the German CSV alike."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app import clock
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate
from app.reports import tables
from app.reports.scope import Period, Scope
from app.reports.service import Report
from app.web import downloads
from tests.factories import make_annotation, make_board, make_card, make_category, phases_of

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2 November 2026, 09:00 in Berlin: calendar week 45.
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_each_week_gives_raised_and_resolved_per_category(session: Session) -> None:
    with clock.frozen_at(START - timedelta(days=1)):
        board = make_board(session)
        privacy = make_category(session, name="Datenschutz")
        staff = make_category(session, name="Personal")
        card = make_card(session, board, phase_id=phases_of(session, board)[0].id)
    raised = {}
    # Week 45: two on privacy, one without category; week 46: one on staff, two resolved.
    for name, days, category in [
        ("p1", 0, privacy.id),
        ("p2", 1, privacy.id),
        ("n1", 2, None),
        ("s1", 8, staff.id),
    ]:
        with clock.frozen_at(START + timedelta(days=days)):
            raised[name] = make_annotation(session, card, category_id=category)
    for name, days in [("p1", 9), ("n1", 10)]:
        with clock.frozen_at(START + timedelta(days=days)):
            annotations.update_annotation(
                session,
                annotation_id=raised[name].id,
                data=AnnotationUpdate(
                    version=raised[name].version, status="resolved", resolution="geklärt"
                ),
                actor="Test",
            )
    with clock.frozen_at(START + timedelta(days=20)):
        report = Report(
            session, Scope(board, Period(date(2026, 11, 2), date(2026, 11, 15), BERLIN))
        )
        table = tables.annotations(report)
    assert table.columns == [
        "Kalenderwoche",
        "Woche ab",
        "Neu erfasst",
        "Gelöst",
        "Datenschutz: neu erfasst",
        "Datenschutz: gelöst",
        "Personal: neu erfasst",
        "Personal: gelöst",
        "Ohne Kategorie: neu erfasst",
        "Ohne Kategorie: gelöst",
    ]
    assert table.rows == [
        ["KW 45", date(2026, 11, 2), 3, 0, 2, 0, 0, 0, 1, 0],
        ["KW 46", date(2026, 11, 9), 1, 2, 0, 1, 1, 0, 0, 1],
    ]
    content = downloads.to_csv(table)
    assert content.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    assert header == table.columns
    assert rows == [
        ["KW 45", "02.11.2026", "3", "0", "2", "0", "0", "0", "1", "0"],
        ["KW 46", "09.11.2026", "1", "2", "0", "1", "1", "0", "0", "1"],
    ]
