"""What every response of the web view carries and every request must show: security headers, and the token."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No scripts, no frames, no forms, nothing from elsewhere: the pages need their own stylesheet and nothing else.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_accepted(authorization: str | None, token: str) -> bool:
    """`Bearer TOKEN`, or basic auth with TOKEN as the password (any user name: browsers ask for one)."""
    if not authorization:
        return False
    scheme, _, credentials = authorization.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return hmac.compare_digest(credentials.encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(decoded.partition(b":")[2], token.encode())
    return False


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(host_header: str) -> str:
    """`example.org:8080` → `example.org`; `[::1]:8080` → `::1`."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0].lower()
    return host_header.rsplit(":", 1)[0].lower() if host_header.count(":") == 1 else host_header.lower()


class Guard:
    """ASGI middleware: the token on every request when one is set (401 otherwise), the headers on every answer.

    Without a token the view listens on loopback only, and `hosts` then names the Host headers it answers to:
    a page elsewhere cannot read it through a DNS name pointed at 127.0.0.1 (DNS rebinding).
    """

    def __init__(self, app: ASGIApp, token: str | None, hosts: frozenset[str] | None = None) -> None:
        self.app = app
        self.token = token or None
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        headers = Headers(scope=scope)
        if self.hosts is not None and host_name(headers.get("host", "")) not in self.hosts:
            await _refuse(with_headers, send, 421, b"This tracker answers only to its own address.\n")
            return
        if self.token and not token_accepted(headers.get("authorization"), self.token):
            body = b"This tracker asks for its access token: Authorization: Bearer TOKEN, or TOKEN as the password.\n"
            challenge = (b"www-authenticate", b'Basic realm="tracker", charset="UTF-8"')
            await _refuse(with_headers, send, 401, body, challenge)
            return
        await self.app(scope, receive, with_headers)


async def _refuse(start: Send, send: Send, status: int, body: bytes, *headers: tuple[bytes, bytes]) -> None:
    await start(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
