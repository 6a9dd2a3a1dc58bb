"""The `lotsenboard` command as an operator uses it."""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.annotations.models import Annotation
from app.boards.models import Board
from app.cards.models import Card
from app.cli import cli
from app.db import Database
from app.events.models import Event
from app.meetings.models import MeetingEntry, MeetingRun
from app.settings import get_settings
from tests.conftest import DatabaseFactory
from tests.live import serving

runner = CliRunner()


@pytest.fixture
def fresh_url(
    database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """An empty database the CLI is pointed at through the environment."""
    url = database_factory.create()
    monkeypatch.setenv("LOTSENBOARD_DATABASE_URL", url)
    monkeypatch.setenv("LOTSENBOARD_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _counts(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        with db.session() as session:
            return (
                session.exec(select(func.count()).select_from(Board)).one(),
                session.exec(select(func.count()).select_from(Card)).one(),
                session.exec(select(func.count()).select_from(Event)).one(),
            )
    finally:
        db.dispose()


OPEN = ("open", "discussing")


def _annotations(url: str) -> Counter[tuple[str, str, bool]]:
    db = Database(url)
    try:
        with db.session() as session:
            rows = session.exec(select(Annotation)).all()
            return Counter((str(a.status), str(a.kind), a.blocks_card) for a in rows)
    finally:
        db.dispose()


def test_migrate_then_demo_twice_loads_the_demo_once(fresh_url: str) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "geladen" in result.output
    # The demo admin's login is printed once, on the first run only.
    assert "Anmeldung als Admin: cdo@musterstadt.de" in result.output
    # … and of one lotsin, whose account is linked to her lotse record.
    assert "Anmeldung als Lotsin: jana.kuhn@musterstadt.de" in result.output
    loaded = _counts(fresh_url)
    boards, cards, events = loaded
    assert boards == 1 and 90 <= cards <= 110 and events > cards
    raised = _annotations(fresh_url)
    # About 25 concerns and resistances in every status, some blocking their measure.
    assert 20 <= sum(raised.values()) <= 30
    assert {status for status, _kind, _blocks in raised} == {
        "open",
        "discussing",
        "resolved",
        "withdrawn",
    }
    assert {kind for _status, kind, _blocks in raised} == {"concern", "resistance"}
    assert sum(n for (status, _k, blocks), n in raised.items() if blocks and status in OPEN) >= 2
    db = Database(fresh_url)
    try:
        with db.session() as session:
            log = session.exec(select(Event).where(Event.board_id == 1).order_by(Event.seq)).all()
            held = session.exec(select(MeetingRun).order_by(MeetingRun.day)).all()
            entries = session.exec(select(MeetingEntry)).all()
    finally:
        db.dispose()
    # Five fortnightly Lotsentreffen were held in meeting mode, each with final minutes.
    assert len(held) == 5 and {run.state for run in held} == {"closed"}
    assert all(run.minutes_version == 1 and run.present for run in held)
    assert {run.day for run in held} == {entry.day for entry in entries}
    assert {entry.kind for entry in entries} == {"note", "decision", "action"}
    # One believable past: seqs and times rise together, nothing lies in the future.
    times = [event.created_at for event in log]
    assert times == sorted(times) and times[-1] <= datetime.now(UTC)
    assert [event.seq for event in log] == list(range(1, len(log) + 1))
    for args in (["demo"], ["demo", "--if-empty"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "Passwort" not in result.output
        assert _counts(fresh_url) == loaded
    # The demo's fortnightly Lotsentreffen has an agenda read off its ten weeks.
    agenda = runner.invoke(cli, ["meeting", "agenda", "1"])
    assert agenda.exit_code == 0, agenda.output
    assert agenda.output.startswith("# Tagesordnung des Lotsentreffens am Di., ")
    assert "Seit dem letzten Lotsentreffen" in agenda.output
    assert agenda.output.count("\n## ") >= 3 and "### Verschoben (" in agenda.output
    assert runner.invoke(cli, ["meeting", "agenda", "99"]).exit_code == 2
    wrong = runner.invoke(cli, ["meeting", "agenda", "1", "--day", "gestern"])
    assert wrong.exit_code == 2 and "Kein Datum" in wrong.output
    # The weekly digest of the last week, as the CDO would receive it.
    digest = runner.invoke(cli, ["digest", "preview"])
    assert digest.exit_code == 0, digest.output
    assert digest.output.startswith("Betreff: Wochenübersicht KW ")
    assert (
        "Guten Tag Dana Weber (CDO)," in digest.output and "\n# Maßnahmen 2026\n" in digest.output
    )
    unknown = runner.invoke(cli, ["digest", "preview", "--email", "niemand@musterstadt.de"])
    assert unknown.exit_code == 2 and "Kein Konto" in unknown.output
    bad_week = runner.invoke(cli, ["digest", "preview", "--week", "2026-W54"])
    assert bad_week.exit_code == 2 and "Kalenderwoche" in bad_week.output
    # Without a mail server the digest is not sent, and says so.
    unsent = runner.invoke(cli, ["digest", "send"])
    assert unsent.exit_code == 2 and "Kein Mailserver eingestellt" in unsent.output


def test_serve_answers_health_and_readiness(fresh_url: str, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    env = {"LOTSENBOARD_DATABASE_URL": fresh_url, "LOTSENBOARD_DATA_DIR": str(tmp_path)}
    log_path = tmp_path / "server.log"
    with serving(env, workers=1, log_path=log_path) as url:
        health = httpx.get(f"http://{url}/healthz", timeout=1)
        assert health.json() == {"status": "ok"}
        ready = httpx.get(f"http://{url}/readyz", timeout=5)
        assert (ready.status_code, ready.json()["status"]) == (200, "ok")
        assert "server" not in ready.headers
        # The generated secret key is kept for the next start.
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    # No mail server set: the start says plainly that no digest goes out, and runs on.
    assert "LOTSENBOARD_SMTP_HOST" in log_path.read_text()


def test_create_user_and_tokens_from_the_command_line(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    monkeypatch.setenv("LOTSENBOARD_PASSWORD", "kurz")
    refused = runner.invoke(cli, ["create-user", "jana@musterstadt.de", "--name", "Jana Kuhn"])
    assert refused.exit_code == 2 and "Passwort: mindestens 10 Zeichen" in refused.output
    monkeypatch.setenv("LOTSENBOARD_PASSWORD", "lang-genug-2026")
    created = runner.invoke(
        cli, ["create-user", "Jana@Musterstadt.de", "--name", "Jana Kuhn", "--role", "admin"]
    )
    assert created.exit_code == 0, created.output
    assert runner.invoke(cli, ["create-user", "jana@musterstadt.de", "--name", "J"]).exit_code == 2
    issued = runner.invoke(cli, ["token", "create", "jana@musterstadt.de", "--name", "Skript"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    assert token.startswith("lbt_")
    db = Database(fresh_url)
    try:
        with db.session() as session:
            from app.accounts import tokens

            found = tokens.resolve_token(session, plain=token)
            assert found is not None and found[1].email == "jana@musterstadt.de"
            token_id = found[0].id
        assert runner.invoke(cli, ["token", "revoke", str(token_id)]).exit_code == 0
        with db.session() as session:
            assert tokens.resolve_token(session, plain=token) is None
    finally:
        db.dispose()


def test_create_user_links_a_lotse_and_reset_password_prints_a_one_time_link(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    db = Database(fresh_url)
    try:
        with db.session(write=True) as session:
            from tests.factories import make_department, make_lotse

            lotse = make_lotse(session, department_id=make_department(session).id)
            lotse_id = lotse.id
    finally:
        db.dispose()
    monkeypatch.setenv("LOTSENBOARD_PASSWORD", "lang-genug-2026")
    made = runner.invoke(
        cli, ["create-user", "olga@musterstadt.de", "--name", "Olga", "--lotse", str(lotse_id)]
    )
    assert made.exit_code == 0, made.output
    assert f"verknüpft mit Lotsen-Eintrag {lotse_id}" in made.output
    reset = runner.invoke(cli, ["reset-password", "olga@musterstadt.de"])
    assert reset.exit_code == 0, reset.output
    assert re.fullmatch(r"http://\S+/passwort/lbr_\S+", reset.stdout.strip())
    assert runner.invoke(cli, ["reset-password", "niemand@musterstadt.de"]).exit_code == 2
    # The help speaks the language of the output.
    assert "Gibt einen einmaligen Link aus" in runner.invoke(cli, ["--help"]).output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["create-user"],
        ["token"],
        ["token", "create"],
        ["digest", "preview"],
        ["export"],
        ["import"],
    ],
)
def test_the_help_speaks_german_throughout(command: list[str]) -> None:
    """Not only the texts of the commands: the panels, markers and the help option too."""
    shown = runner.invoke(cli, [*command, "--help"]).output
    assert "Optionen" in shown and "Zeigt diese Hilfe." in shown
    for english in ("Options", "Show this message", "[required]", "[default:", "completion"):
        assert english not in shown, (command, english)
