"""Loaded by a tracker subprocess in tests (PYTHONPATH): record and refuse any connection beyond loopback."""

import ipaddress
import os
import socket

_log = os.environ.get("TRACKER_TEST_NETLOG")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _check(address: object) -> None:
    if not isinstance(address, tuple):
        return
    host = str(address[0])
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        if _log:
            with open(_log, "a") as log:
                log.write(f"{address!r}\n")
        raise OSError(f"blocked by the test network guard: {address!r}")


def connect(self: socket.socket, address: object) -> None:
    _check(address)
    return _connect(self, address)


def connect_ex(self: socket.socket, address: object) -> int:
    _check(address)
    return _connect_ex(self, address)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
