"""The offline guarantee: an audit hook that turns any attempt at a network connection into an error.

Annotators work on offline laptops and the label files must never leave them, so the app refuses
to open internet sockets at all rather than trusting every library to behave. Python raises an
audit event before each connect, name lookup and URL request; the hook installed here raises
:class:`NetworkBlockedError` from inside that event, so the attempt fails loudly at its source.

What stays allowed: ``AF_UNIX`` sockets (Qt talks to D-Bus and the X server through them),
``socket.socketpair()`` (on Windows Python builds it from a loopback TCP connection made inside
the ``socket`` module, and asyncio's event loop relies on it), ``file:`` and ``data:`` URLs. Any
other loopback connection is blocked too: nothing in the app needs one, and the CI check
(``scripts/bundle_check.sh``) fails on any ``AF_INET``/``AF_INET6`` connect anyway. Native code that bypasses Python (ONNX Runtime's
telemetry) is not seen by this hook; that is why ``ORT_DISABLE_TELEMETRY`` is set here and why CI
also runs the bundle under ``strace`` in a network namespace without interfaces.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import Any

log = logging.getLogger(__name__)

# Audit events (https://docs.python.org/3/library/audit_events.html) that reach the network.
# The first argument decides: a socket object for connect/sendto, a host name for the lookups.
_SOCKET_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_LOOKUP_EVENTS = frozenset(
    {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"}
)
_URL_EVENTS = frozenset({"urllib.Request"})
_HTTP_EVENTS = frozenset({"http.client.connect"})
_WATCHED = _SOCKET_EVENTS | _LOOKUP_EVENTS | _URL_EVENTS | _HTTP_EVENTS

_LOCAL_URL_SCHEMES = ("file:", "data:")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
# Python's socketpair() for platforms without AF_UNIX socketpair (the name changed in 3.12).
_SOCKETPAIR_FUNCTIONS = frozenset({"socketpair", "_fallback_socketpair"})

_installed = False


class NetworkBlockedError(RuntimeError):
    """An attempt to use the network, refused because the app works offline."""

    def __init__(self, event: str, address: object) -> None:
        super().__init__(
            f"hggt-desktop works offline and never opens network connections: blocked {event} to "
            f"{address!r}. If a library tried this on its own, report it as a bug."
        )
        self.event = event
        self.address = address


def _is_local_socket(sock: Any) -> bool:
    """Whether ``sock`` is an ``AF_UNIX`` socket (local IPC that cannot reach another machine)."""
    af_unix = getattr(socket, "AF_UNIX", None)
    return af_unix is not None and getattr(sock, "family", None) == af_unix


def _is_socketpair_fallback(address: object) -> bool:
    """Whether this connect is ``socket.socketpair()`` joining two loopback sockets (Windows)."""
    if not (isinstance(address, tuple) and address and address[0] in _LOOPBACK_HOSTS):
        return False
    caller = sys._getframe(2)  # 0: this function, 1: _audit, 2: the code that called connect()
    return caller.f_globals.get("__name__") == "socket" and caller.f_code.co_name in _SOCKETPAIR_FUNCTIONS


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: raise on network events, return at once on everything else."""
    # Called for every audited operation in the process (imports, opens, ...): keep it cheap.
    if event not in _WATCHED:
        return
    if event in _SOCKET_EVENTS:
        sock = args[0] if args else None
        if _is_local_socket(sock):
            return
        address = args[1] if len(args) > 1 else None
        if event == "socket.connect" and _is_socketpair_fallback(address):
            return
        raise NetworkBlockedError(event, address)
    if event in _LOOKUP_EVENTS:
        host = args[0] if args else None
        # getaddrinfo(None, port, flags=AI_PASSIVE) resolves nothing: it names a local bind address.
        if event == "socket.getaddrinfo" and host is None:
            return
        raise NetworkBlockedError(event, host)
    if event in _URL_EVENTS:
        url = str(args[0]) if args else ""
        if url.lower().startswith(_LOCAL_URL_SCHEMES):
            return
        raise NetworkBlockedError(event, url)
    # http.client.connect: (connection, host, port)
    host = args[1] if len(args) > 1 else None
    port = args[2] if len(args) > 2 else None
    raise NetworkBlockedError(event, (host, port))


def disable_telemetry() -> None:
    """Turn off library telemetry that would otherwise phone home from native code."""
    # ONNX Runtime reads this at import time; set it before anything can import onnxruntime.
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def install_network_guard() -> None:
    """Block network access for the rest of this process (idempotent; audit hooks cannot be removed)."""
    global _installed
    disable_telemetry()
    if _installed:
        return
    sys.addaudithook(_audit)
    _installed = True
    log.debug("network guard installed: internet sockets, lookups and URL requests raise")


def is_guard_installed() -> bool:
    """Whether :func:`install_network_guard` has run in this process."""
    return _installed
