"""The network guard: every way of reaching the internet fails loudly; local IPC keeps working.

Audit hooks cannot be removed, so each check runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import os, socket, sys, urllib.request
from hggt_desktop.offline import NetworkBlockedError, install_network_guard
install_network_guard()
install_network_guard()  # idempotent: a second call must not add a second hook

def expect_blocked(what, call):
    try:
        call()
    except NetworkBlockedError as exc:
        assert "works offline" in str(exc), str(exc)
        print(what, "blocked:", exc)
        return
    except BaseException as exc:  # a NetworkBlockedError wrapped by urllib would land here
        raise SystemExit(f"{what}: expected NetworkBlockedError, got {type(exc).__name__}: {exc}")
    raise SystemExit(f"{what}: not blocked")
"""


def run_guarded(body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` after installing the guard in a fresh interpreter."""
    code = PRELUDE + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "call",
    [
        'socket.create_connection(("example.org", 80), timeout=1)',
        'socket.getaddrinfo("example.org", 443)',
        'socket.gethostbyname("example.org")',
        'urllib.request.urlopen("https://example.org/model.onnx", timeout=1)',
        'socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("93.184.215.14", 80))',
        'socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))',
        'socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))',
        '__import__("http.client").client.HTTPConnection("127.0.0.1", 9).connect()',
    ],
)
def test_network_attempts_raise_a_clear_error(call: str) -> None:
    result = run_guarded(f"expect_blocked({call!r}, lambda: {call})\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "blocked" in result.stdout


def test_unix_sockets_and_file_urls_still_work(tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("local", encoding="utf-8")
    result = run_guarded(
        f"""
        a, b = socket.socketpair()
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"
        path = {str(tmp_path / "s.sock")!r}
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
        assert urllib.request.urlopen({page.as_uri()!r}).read() == b"local"
        print("local ok")
        """
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local ok" in result.stdout


def test_guard_disables_onnxruntime_telemetry() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ.pop('ORT_DISABLE_TELEMETRY', None)\n"
            "from hggt_desktop.offline import install_network_guard, is_guard_installed\n"
            "assert not is_guard_installed(); install_network_guard(); assert is_guard_installed()\n"
            "print(os.environ['ORT_DISABLE_TELEMETRY'])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_socketpair_fallback_over_loopback_is_allowed_but_other_loopback_connects_are_not() -> None:
    # Windows builds socket.socketpair() from a loopback TCP connection inside the socket module;
    # run the same code as that module would (asyncio needs it), then the same connect from app code.
    result = run_guarded(
        """
        import inspect, textwrap
        source = inspect.getsource(socket)
        start = source.index("    def socketpair(family=AF_INET")
        end = source.index('__all__.append("socketpair")', start)
        body = textwrap.dedent(source[start:end])
        namespace = dict(vars(socket))  # __name__ == "socket", like the real module
        exec(compile(body, socket.__file__, "exec"), namespace)
        a, b = namespace["socketpair"]()
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"
        print("socketpair fallback ok")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        expect_blocked("app loopback", lambda: socket.create_connection(listener.getsockname()))
        """
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "socketpair fallback ok" in result.stdout
    assert "app loopback blocked" in result.stdout
