"""A raw-socket HTTP server on 127.0.0.1 that misbehaves on purpose: what http.server will not send.

Each path has a fault: a function given the connected socket once the request has been read. It may write
anything (a lying Content-Encoding, a body cut short, one byte a second) or reset the connection.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Fault = Callable[[socket.socket, threading.Event], None]


@dataclass
class FaultServer:
    port: int
    faults: dict[str, Fault] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, fault: Fault) -> str:
        self.faults[path] = fault
        return self.url(path)


def response(
    body: bytes, status: str = "200 OK", content_type: str = "text/html; charset=utf-8", **headers: str
) -> Fault:
    """A whole response as given: headers are sent as written (Content-Length is the body's unless set)."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    headers.setdefault("Content_Length", str(len(body)))
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def send(connection: socket.socket, _stop: threading.Event) -> None:
        connection.sendall(raw)

    return send


def drip(length: int = 100_000, every: float = 0.5) -> Fault:
    """A 200 whose body comes one byte at a time, `every` seconds apart: never a read timeout, never an end."""

    def send(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {length}\r\n\r\n".encode())
        while not stop.wait(every):
            connection.sendall(b"x")

    return send


def reset(after: bytes = b"") -> Fault:
    """Send `after`, then reset the connection (RST, not a clean close)."""

    def send(connection: socket.socket, _stop: threading.Event) -> None:
        if after:
            connection.sendall(after)
            time.sleep(0.05)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return send


def _serve_one(server: FaultServer, connection: socket.socket) -> None:
    with connection:
        request = b""
        try:
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode()
            fault = server.faults.get(path, response(b"not found", "404 Not Found", "text/plain"))
            fault(connection, server.stop)
        except OSError:
            pass  # the client hung up: that is its right


@contextmanager
def serving_faults() -> Iterator[FaultServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    server = FaultServer(listener.getsockname()[1])

    def accept() -> None:
        while not server.stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            threading.Thread(target=_serve_one, args=(server, connection), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(2)
        listener.close()
