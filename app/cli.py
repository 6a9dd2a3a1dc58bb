"""The `lotsenboard` command: serve, migrate, demo, create-user, token."""

import os
from typing import Annotated

import typer
from pydantic import ValidationError

from app import handlers
from app import migrate as migrations
from app.accounts import service as accounts
from app.accounts import tokens
from app.accounts.models import Role, UserCreate
from app.db import Database
from app.errors import DomainError
from app.settings import get_settings

cli = typer.Typer(help="Lotsenboard – Kanban-Board für Digitallotsen.", no_args_is_help=True)
token_cli = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")
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


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
) -> None:
    """Serve the web app with uvicorn."""
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
    )


@cli.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    settings = get_settings()
    migrations.upgrade(settings.resolved_database_url)
    typer.echo("Datenbank ist auf dem neuesten Stand.")


@cli.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database holds no board yet.")
    ] = False,
) -> None:
    """Load the demo Kommune (idempotent: a second run changes nothing)."""
    from app.boards import service as boards
    from app.demo import ensure_demo_admin, load_demo

    db = _database()
    try:
        if if_empty:
            with db.session() as session:
                if boards.list_boards(session, include_archived=True):
                    typer.echo("Datenbank enthält schon Boards: keine Demo geladen.")
                    return
        loaded = load_demo(db)
        login = ensure_demo_admin(db)
    finally:
        db.dispose()
    typer.echo("Demo-Kommune geladen." if loaded else "Demo-Kommune ist schon vorhanden.")
    if login is not None:
        email, password = login
        # Shown once: only the hash is stored.
        typer.echo(f"Anmeldung als Admin: {email} / Passwort: {password}")


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="Login email address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[Role, typer.Option(help="admin, lotse or viewer.")] = Role.lotse,
) -> None:
    """Create an account; the password comes from LOTSENBOARD_PASSWORD or a prompt."""
    password = os.environ.get("LOTSENBOARD_PASSWORD") or typer.prompt(
        "Passwort", hide_input=True, confirmation_prompt=True
    )
    try:
        data = UserCreate(email=email, name=name, role=role, password=password)
    except ValidationError as error:
        first = error.errors()[0]
        _fail(f"Ungültig ({first['loc'][-1]}): {first['msg']}")
        return
    db = _database()
    try:
        with db.session(write=True) as session:
            user = accounts.create_user(session, data=data, actor=CLI_ACTOR)
            typer.echo(f"Konto {user.email} ({user.role.value}) angelegt.")
    except DomainError as error:
        _fail(error.message)
    finally:
        db.dispose()


@token_cli.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "CLI",
) -> None:
    """Print a new personal API token (shown only now)."""
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


@token_cli.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's number.")]) -> None:
    """Revoke a personal API token."""
    db = _database()
    try:
        with db.session(write=True) as session:
            tokens.revoke_token(session, token_id=token_id, user_id=None, actor=CLI_ACTOR)
            typer.echo(f"Token {token_id} widerrufen.")
    except DomainError as error:
        _fail(error.message)
    finally:
        db.dispose()


def main() -> None:
    cli()
