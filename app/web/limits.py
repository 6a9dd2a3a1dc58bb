"""Refuse request bodies over the configured size with 413, before they are read whole."""

import re

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.access import SESSION_COOKIE

_TOO_LARGE = b'{"detail":"request body too large","code":"too_large"}'
SESSION = f"{SESSION_COOKIE}=".encode()


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


class BodySizeLimit:
    """Checks Content-Length up front and counts streamed bodies as they arrive. `larger`
    names the few routes that take more (an uploaded spreadsheet) and how much."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: tuple[tuple[str, str, int], ...] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = [(method, re.compile(path), most) for method, path, most in larger]

    def _limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        # Only for someone who says who they are: a stranger's upload is not kept on disk
        # for the access check to refuse it.
        known = b"authorization" in headers or SESSION in headers.get(b"cookie", b"")
        for method, path, most in self.larger:
            if known and scope.get("method") == method and path.fullmatch(scope.get("path", "")):
                return most
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        limit = self._limit(scope, headers)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            if b"text/html" not in headers.get(b"accept", b""):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(_TOO_LARGE)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": _TOO_LARGE})
                return
            # A page gets the app's own error page, in its language: the body is refused
            # when the app begins to read it.

            async def refused() -> Message:
                raise BodyTooLarge

            await self.app(scope, refused, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing untouched.
                    raise BodyTooLarge
            return message

        await self.app(scope, limited_receive, send)
