"""The `lotsenboard` command: serve, migrate, demo."""

from typing import Annotated

import typer

from app import migrate as migrations
from app.db import Database
from app.settings import get_settings

cli = typer.Typer(help="Lotsenboard – Kanban-Board für Digitallotsen.", no_args_is_help=True)


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
    from app.demo import load_demo

    db = Database(get_settings().resolved_database_url)
    try:
        if if_empty:
            with db.session() as session:
                if boards.list_boards(session, include_archived=True):
                    typer.echo("Datenbank enthält schon Boards: keine Demo geladen.")
                    return
        loaded = load_demo(db)
    finally:
        db.dispose()
    typer.echo("Demo-Kommune geladen." if loaded else "Demo-Kommune ist schon vorhanden.")


def main() -> None:
    cli()
