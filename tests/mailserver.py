"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it accepted."""

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any


class Inbox:
    """What the mail server accepted; addresses it refuses with 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(str(m["To"].addresses[0].addr_spec) for m in self.messages)
