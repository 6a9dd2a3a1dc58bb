"""Who hears of committed events: every handler registered with the event log, in one place.

The app, the CLI and the tests call `install()`; a domain that needs to act after a commit
(the live board today; meetings and the digest later) is added here, nowhere else.
"""

from app.events import service as events
from app.realtime import publish


def install() -> None:
    """Register the after-commit handlers with the event log (repeated calls change nothing)."""
    events.before_commit(publish.notify_in_transaction)
    events.after_commit(publish.publish_committed)
