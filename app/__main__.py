"""`python -m app` runs the `lotsenboard` command."""

from app.cli import main

main()
