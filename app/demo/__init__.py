"""The demo Kommune "Musterstadt": `lotsenboard demo` loads it (see kommune.py)."""

from app.demo.kommune import BOARD_NAME, DEMO_ADMIN, ensure_demo_accounts, load_demo

__all__ = ["BOARD_NAME", "DEMO_ADMIN", "ensure_demo_accounts", "load_demo"]
