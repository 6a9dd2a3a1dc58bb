"""The `lotsenboard` command: serve, migrate, demo, create-user, reset-password, token.

Its help speaks German, as its output and the app do.
"""

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer import rich_utils
from typer.core import TyperCommand, TyperGroup, TyperOption

from app import handlers
from app import migrate as migrations
from app.accounts import resets, tokens
from app.accounts import service as accounts
from app.accounts.models import Role, UserCreate
from app.backup import service as backup
from app.boards import service as boards
from app.cards.export import board_table as export_table
from app.cards.models import CardFilter
from app.cards.texts import error_message, validation_message
from app.db import Database
from app.digest import content as digest_content
from app.digest import sending as digest_sending
from app.digest import text as digest_text
from app.errors import DomainError
from app.imports import mapping as columns_of
from app.imports import reading
from app.imports import service as imports
from app.imports import texts as import_texts
from app.meetings import agenda
from app.meetings import service as meetings
from app.settings import get_settings
from app.web import downloads
from app.web.i18n import size_format

# Typer's and Click's own words (panel titles, markers, the help option) in German as well.
rich_utils.ARGUMENTS_PANEL_TITLE = "Argumente"
rich_utils.OPTIONS_PANEL_TITLE = "Optionen"
rich_utils.COMMANDS_PANEL_TITLE = "Befehle"
rich_utils.ERRORS_PANEL_TITLE = "Fehler"
rich_utils.REQUIRED_LONG_STRING = "[Pflicht]"
rich_utils.DEFAULT_STRING = "[Standard: {}]"
rich_utils.ENVVAR_STRING = "[Umgebungsvariable: {}]"
rich_utils.ABORTED_TEXT = "Abgebrochen."
rich_utils.RICH_HELP = "Hilfe: [blue]'{command_path} {help_option}'[/]"


def _german_help(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = "Zeigt diese Hilfe."
    return option


class _Group(TyperGroup):
    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _german_help(super().get_help_option(ctx))


class _Command(TyperCommand):
    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _german_help(super().get_help_option(ctx))


cli = typer.Typer(
    cls=_Group,
    help="Lotsenboard – Kanban-Board für Digitallotsen.",
    no_args_is_help=True,
    add_completion=False,
)
token_cli = typer.Typer(cls=_Group, help="Persönliche API-Tokens.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")
meeting_cli = typer.Typer(cls=_Group, help="Lotsentreffen.", no_args_is_help=True)
cli.add_typer(meeting_cli, name="meeting")
LEASE_SECONDS = 15 * 60  # longer than a week's sending takes
digest_cli = typer.Typer(cls=_Group, help="Wochenübersicht.", no_args_is_help=True)
cli.add_typer(digest_cli, name="digest")
CLI_ACTOR = "CLI"


def _database() -> Database:
    settings = get_settings()
    # Changes made here reach open boards like any other (e.g. through PostgreSQL or Redis).
    handlers.install()
    return Database(
        settings.resolved_database_url, broker=settings.broker, redis_url=settings.redis_url
    )


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


# Open boards idle for hours: the sans-I/O protocol needs no tasks per connection, and
# without compression a socket keeps no zlib state (~64 KiB each). The board's own heartbeat
# finds dead peers, so the protocol's pings are off; pages send only pongs.
WEBSOCKET_OPTIONS: dict[str, Any] = {
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "ws_ping_interval": None,
    "ws_max_size": 64 * 1024,
}


@cli.command(cls=_Command)
def serve(
    host: Annotated[
        str | None, typer.Option(help="Adresse (Standard: aus den Einstellungen).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (Standard: aus den Einstellungen).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Anzahl der Worker-Prozesse.")] = None,
) -> None:
    """Startet den Webserver (uvicorn)."""
    import uvicorn

    settings = get_settings()
    # Every worker must read the same key: create it before forking.
    settings.resolved_secret_key()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        server_header=False,
        **WEBSOCKET_OPTIONS,
    )


@cli.command(cls=_Command)
def migrate() -> None:
    """Bringt die Datenbank auf den neuesten Stand (Migrationen)."""
    settings = get_settings()
    migrations.upgrade(settings.resolved_database_url)
    typer.echo("Datenbank ist auf dem neuesten Stand.")


@cli.command(cls=_Command)
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Nur, wenn die Datenbank noch kein Board hat.")
    ] = False,
) -> None:
    """Lädt die Demo-Kommune Musterstadt (ein zweiter Aufruf ändert nichts)."""
    from app.boards import service as boards
    from app.demo import ensure_demo_accounts, load_demo

    db = _database()
    try:
        if if_empty:
            with db.session() as session:
                if boards.list_boards(session, include_archived=True):
                    typer.echo("Datenbank enthält schon Boards: keine Demo geladen.")
                    return
        loaded = load_demo(db)
        logins = ensure_demo_accounts(db)
    finally:
        db.dispose()
    typer.echo("Demo-Kommune geladen." if loaded else "Demo-Kommune ist schon vorhanden.")
    # Shown once: only the hashes are stored.
    for who, email, password in logins:
        typer.echo(f"Anmeldung als {who}: {email} / Passwort: {password}")


@cli.command("create-user", cls=_Command)
def create_user(
    email: Annotated[str, typer.Argument(help="E-Mail-Adresse zum Anmelden.")],
    name: Annotated[str, typer.Option(help="Vollständiger Name.")],
    role: Annotated[Role, typer.Option(help="admin, lotse oder viewer.")] = Role.lotse,
    lotse: Annotated[
        int | None,
        typer.Option(help="Nummer des Lotsen-Eintrags derselben Person (sonst: gleiche E-Mail)."),
    ] = None,
) -> None:
    """Legt ein Konto an; das Passwort kommt aus LOTSENBOARD_PASSWORD oder wird abgefragt."""
    password = os.environ.get("LOTSENBOARD_PASSWORD") or typer.prompt(
        "Passwort", hide_input=True, confirmation_prompt=True
    )
    try:
        data = UserCreate(email=email, name=name, role=role, password=password, lotse_id=lotse)
    except ValidationError as error:
        _fail(validation_message(error))
        return
    db = _database()
    try:
        with db.session(write=True) as session:
            user = accounts.create_user(session, data=data, actor=CLI_ACTOR)
            linked = f", verknüpft mit Lotsen-Eintrag {user.lotse_id}" if user.lotse_id else ""
            typer.echo(f"Konto {user.email} ({user.role.value}{linked}) angelegt.")
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


@cli.command("reset-password", cls=_Command)
def reset_password(
    email: Annotated[str, typer.Argument(help="Wessen Passwort neu gesetzt werden soll.")],
) -> None:
    """Gibt einen einmaligen Link aus, mit dem die Person ein neues Passwort setzt."""
    settings = get_settings()
    db = _database()
    try:
        with db.session(write=True) as session:
            user = accounts.find_user(session, email=email)
            if user is None:
                _fail(f"Kein Konto für {email}.")
                return
            plain = resets.create_reset(
                session, user=user, actor=CLI_ACTOR, hours=settings.password_reset_hours
            )
        typer.echo(f"{settings.base_url.rstrip('/')}/passwort/{plain}")
        typer.echo(
            f"(gilt einmal, {settings.password_reset_hours} Stunden lang; nur jetzt sichtbar)",
            err=True,
        )
    finally:
        db.dispose()


@token_cli.command("create", cls=_Command)
def token_create(
    email: Annotated[str, typer.Argument(help="Wessen Token.")],
    name: Annotated[str, typer.Option(help="Wofür das Token gedacht ist.")] = "CLI",
) -> None:
    """Gibt ein neues persönliches API-Token aus (nur jetzt sichtbar)."""
    db = _database()
    try:
        with db.session(write=True) as session:
            user = accounts.find_user(session, email=email)
            if user is None:
                _fail(f"Kein Konto für {email}.")
                return
            plain, token = tokens.create_token(session, user=user, name=name)
            typer.echo(plain)
            typer.echo(
                f"(Token-Nr. {token.id}; widerrufen mit: lotsenboard token revoke {token.id})",
                err=True,
            )
    finally:
        db.dispose()


@token_cli.command("revoke", cls=_Command)
def token_revoke(token_id: Annotated[int, typer.Argument(help="Nummer des Tokens.")]) -> None:
    """Widerruft ein persönliches API-Token."""
    db = _database()
    try:
        with db.session(write=True) as session:
            tokens.revoke_token(session, token_id=token_id, user_id=None, actor=CLI_ACTOR)
            typer.echo(f"Token {token_id} widerrufen.")
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


@meeting_cli.command("agenda", cls=_Command)
def meeting_agenda(
    board_id: Annotated[int, typer.Argument(help="Nummer des Boards.")],
    day: Annotated[
        str | None,
        typer.Option(help="Tag des Lotsentreffens (JJJJ-MM-TT); sonst das nächste."),
    ] = None,
) -> None:
    """Gibt die Tagesordnung eines Lotsentreffens als Markdown aus (aus dem Verlauf)."""
    db = _database()
    try:
        with db.session() as session:
            board = boards.get_board(session, board_id=board_id)
            if day is None:
                found = meetings.next_meeting(session, board_id=board_id)
                if found is None:
                    _fail(f"Für Board {board_id} ist kein Lotsentreffen geplant.")
                    return
            else:
                try:
                    wanted = date.fromisoformat(day)
                except ValueError:
                    _fail(f"Kein Datum (JJJJ-MM-TT): {day}")
                    return
                found = meetings.find(session, board_id=board_id, day=wanted)
            built = agenda.build(session, board=board, meeting=found)
            typer.echo(agenda.as_markdown(built, get_settings().base_url), nl=False)
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


@cli.command("export", cls=_Command)
def export(
    file: Annotated[Path, typer.Argument(help="Zieldatei (.json, .csv oder .xlsx).")],
    everything: Annotated[
        bool, typer.Option("--all", help="Die ganze Instanz sichern (JSON).")
    ] = False,
    board: Annotated[
        int | None, typer.Option(help="Die Maßnahmen dieses Boards (CSV oder XLSX).")
    ] = None,
    with_accounts: Annotated[
        bool, typer.Option(help="Mit Passwort-Hashes und API-Tokens (sonst ohne).")
    ] = False,
) -> None:
    """Sichert die ganze Instanz (--all) oder exportiert die Maßnahmen eines Boards (--board)."""
    if everything == (board is not None):
        _fail("Bitte genau eines angeben: --all oder --board NUMMER.")
    db = _database()
    try:
        with db.session() as session:
            if everything:
                revision = _revision()
                found = backup.export_all(session, revision=revision, with_accounts=with_accounts)
                file.write_text(backup.dumps(found), encoding="utf-8")
                rows = sum(len(t["rows"]) for t in found["tables"].values())
                typer.echo(f"Sicherung geschrieben: {file} ({rows} Zeilen).")
                return
            assert board is not None
            if file.suffix.lower() not in (".csv", ".xlsx"):
                _fail("Für ein Board bitte eine .csv- oder .xlsx-Datei angeben.")
            table = export_table(
                session, board=boards.get_board(session, board_id=board), filters=CardFilter()
            )
            file.write_bytes(downloads.body(table, file.suffix.lower().lstrip(".")))
            typer.echo(f"{len(table.rows)} Maßnahmen exportiert: {file}")
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


@cli.command("import", cls=_Command)
def import_(
    file: Annotated[Path, typer.Argument(help="Die Datei: XLSX, CSV oder eine Sicherung (JSON).")],
    everything: Annotated[
        bool, typer.Option("--all", help="Eine Sicherung in eine leere Datenbank einspielen.")
    ] = False,
    board: Annotated[
        int | None, typer.Option(help="Maßnahmen aus XLSX oder CSV in dieses Board.")
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(help="Spalten zuordnen: 'Spalte=feld,…' (sonst aus den Überschriften)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Nur zeigen, was geschähe; nichts ändern.")
    ] = False,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing", help="Unbekannte Fachbereiche, Lotsen und Phasen anlegen."
        ),
    ] = False,
) -> None:
    """Spielt eine Sicherung ein (--all) oder importiert Maßnahmen in ein Board (--board)."""
    if everything == (board is not None):
        _fail("Bitte genau eines angeben: --all oder --board NUMMER.")
    if board is not None:
        _import_measures(file, board, mapping, dry_run=dry_run, create_missing=create_missing)
        return
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(f"Die Datei ist keine lesbare Sicherung: {error}")
        return
    settings = get_settings()
    db = _database()
    try:
        # The file and the database are checked before the database is touched at all.
        backup.check(found, revision=_revision())
        with db.session() as session:
            backup.refuse_unless_empty(session)
        migrations.upgrade(settings.resolved_database_url)
        with db.session(write=True) as session:
            counts = backup.import_all(session, backup=found, revision=_revision())
        typer.echo(f"Sicherung eingespielt: {sum(counts.values())} Zeilen.")
        if not found.get("with_accounts"):
            typer.echo(
                "Die Konten haben kein Passwort: setzen Sie es mit "
                "`lotsenboard reset-password E-MAIL`."
            )
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


def _import_measures(
    file: Path, board_id: int, mapping: str | None, *, dry_run: bool, create_missing: bool
) -> None:
    try:
        content = file.read_bytes()
    except OSError as error:
        _fail(f"Die Datei lässt sich nicht lesen: {error}")
        return
    limit = get_settings().import_max_bytes
    if len(content) > limit:
        _fail(f"Die Datei ist größer als {size_format(limit)} (LOTSENBOARD_IMPORT_MAX_BYTES).")
    db = _database()
    try:
        sheet = reading.read(content, file.name)
        columns = (
            columns_of.parse(mapping, sheet.header) if mapping else columns_of.guess(sheet.header)
        )
        with db.session(write=True) as session:
            found = imports.run(
                session,
                board=boards.get_board(session, board_id=board_id),
                sheet=sheet,
                mapping=columns,
                create_missing=create_missing,
                dry_run=dry_run,
                actor=CLI_ACTOR,
                filename=file.name,
            )
        typer.echo(import_texts.summary(found, dry_run=dry_run))
        for index, name in sorted(columns.items()):
            typer.echo(f"Spalte „{sheet.header[index]}“ → {import_texts.field_name(name)}")
        typer.echo(import_texts.match_rule(columns))
        for line in import_texts.lines(found):
            typer.echo(line)
        if found.refused:
            raise typer.Exit(2)
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


def _revision() -> str:
    heads = migrations.head_revisions(get_settings().resolved_database_url)
    return ",".join(sorted(heads))


@digest_cli.command("preview", cls=_Command)
def digest_preview(
    email: Annotated[
        str | None,
        typer.Option(help="An wen (E-Mail-Adresse eines Kontos); sonst das erste Admin-Konto."),
    ] = None,
    week: Annotated[
        str | None,
        typer.Option(help="Kalenderwoche wie 2026-W48; sonst die vergangene Woche."),
    ] = None,
) -> None:
    """Gibt den Textteil der Wochenübersicht eines Kontos aus."""
    db = _database()
    try:
        with db.session() as session:
            chosen = digest_content.week_of(week)
            if email is None:
                admins = [
                    u for u in accounts.list_users(session) if u.active and u.role == Role.admin
                ]
                user = admins[0] if admins else None
            else:
                user = accounts.find_user(session, email=email)
            if user is None:
                _fail(f"Kein Konto: {email}" if email else "Es gibt noch kein Admin-Konto.")
                return
            found = digest_content.for_user(session, user=user, week=chosen)
            base = get_settings().base_url.rstrip("/")
            typer.echo(f"Betreff: {digest_text.subject(found)}\n")
            text = digest_text.as_text(found, base_url=base, settings_url=f"{base}/account")
            typer.echo(text, nl=False)
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


@digest_cli.command("send", cls=_Command)
def digest_send(
    week: Annotated[
        str | None,
        typer.Option(help="Kalenderwoche wie 2026-W48; sonst die vergangene Woche."),
    ] = None,
) -> None:
    """Sendet die Wochenübersicht an alle, die sie noch nicht haben (zweimal aufgerufen:
    niemand bekommt sie doppelt). Für Cron, wenn nicht die App selbst sendet."""
    settings = get_settings()
    if not digest_sending.configured(settings):
        _fail("Kein Mailserver eingestellt (LOTSENBOARD_SMTP_HOST, LOTSENBOARD_MAIL_FROM).")
        return
    db = _database()
    try:
        chosen = digest_content.week_of(week)
        who = digest_sending.holder()
        if not digest_sending.take_lease(db, who=who, seconds=LEASE_SECONDS):
            _fail("Die Wochenübersicht wird gerade von einem anderen Prozess gesendet.")
            return
        outcome = digest_sending.send_week(
            db, week=chosen, settings=settings, mailer=digest_sending.smtp_mailer(settings)
        )
        typer.echo(
            f"{chosen.label}: {len(outcome.sent)} gesendet, {len(outcome.failed)} später erneut, "
            f"{len(outcome.refused)} abgewiesen, {len(outcome.skipped)} ohne Neuigkeiten "
            f"ausgelassen, {len(outcome.uncertain)} ungewiss."
        )
        for email in outcome.refused:
            typer.echo(f"Abgewiesen (wird nicht erneut versucht): {email}")
    except DomainError as error:
        _fail(error_message(error))
    finally:
        db.dispose()


def main() -> None:
    cli()
