"""Shared test helpers: a test collector (TCP), running commands under the probe, reading record files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

PROBE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "test-token-123"
FAST = {"DJLEAK_SAMPLE_INTERVAL": "0.02", "DJLEAK_BATCH_INTERVAL": "0.05"}


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


def probe_env(extra: Optional[Dict[str, str]] = None, pythonpath: bool = True) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJLEAK_")}
    env.pop("PYTHONPATH", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if pythonpath:
        env["PYTHONPATH"] = PROBE_ROOT
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def write(folder: str, name: str, text: str) -> str:
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def run_probe(
    command: List[str], env: Dict[str, str], cwd: Optional[str] = None, timeout: float = 20.0, **kw: Any
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "djleak_probe", *command],
        env=env,
        cwd=cwd,
        timeout=timeout,
        capture_output=True,
        text=True,
        **kw,
    )


def popen_probe(command: List[str], env: Dict[str, str], cwd: Optional[str] = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "djleak_probe", *command],
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_lines(path: str) -> List[Dict[str, Any]]:
    with open(path, "rb") as f:
        data = f.read()
    assert data == b"" or data.endswith(b"\n"), "record file must end with a newline"
    return [json.loads(line) for line in data.split(b"\n") if line]


def by_pid(messages: List[Dict[str, Any]]) -> Dict[int, List[Dict[str, Any]]]:
    out: Dict[int, List[Dict[str, Any]]] = {}
    for m in messages:
        out.setdefault(m["pid"], []).append(m)
    return out


class Conn:
    """One accepted probe connection: every line parsed, in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.raw = b""
        self.messages: List[Dict[str, Any]] = []
        self.eof = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.raw += data
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    msg = json.loads(line)
                    with self.lock:
                        self.messages.append(msg)
        except OSError:
            pass
        finally:
            self.eof = True

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m.get("type") == kind]

    @property
    def hello(self) -> Optional[Dict[str, Any]]:
        with self.lock:
            return self.messages[0] if self.messages else None

    def send(self, obj: Dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def command(self, cid: int, name: str, args: Optional[Dict[str, Any]] = None, timeout: float = 10.0) -> Dict:
        msg: Dict[str, Any] = {"type": "command", "id": cid, "name": name}
        if args is not None:
            msg["args"] = args
        self.send(msg)
        return wait_until(lambda: next((r for r in self.of_type("reply") if r.get("id") == cid), None), timeout)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Collector:
    """A stand-in for the engine's collector: accepts any number of connections."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.conns: List[Conn] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        return probe_env({"DJLEAK_COLLECTOR": self.address, "DJLEAK_TOKEN": TOKEN, **FAST, **(extra or {})})

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.server.accept()
            except OSError:
                return
            self.conns.append(Conn(sock))

    def conn_of(self, pid: int, timeout: float = 10.0) -> Conn:
        return wait_until(lambda: next((c for c in self.conns if c.hello and c.hello.get("pid") == pid), None), timeout)

    def close(self) -> None:
        self.server.close()
        for c in self.conns:
            c.close()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tempdir(testcase: Any) -> str:
    d = tempfile.TemporaryDirectory(prefix="djleak-test-")
    testcase.addCleanup(d.cleanup)
    return os.path.realpath(d.name)


def linked_app(testcase: Any, source: str) -> Tuple["Collector", subprocess.Popen, Any, str]:
    """Runs `source` as a script under the probe against a test collector; everything is cleaned up after
    the test. Returns the collector, the process, its connection (after its hello) and the script's path."""
    app = write(tempdir(testcase), "app.py", source)
    collector = Collector()
    testcase.addCleanup(collector.close)
    proc = popen_probe(["run", "--", app], collector.env())
    testcase.addCleanup(lambda: (proc.stdout.close(), proc.stderr.close(), proc.stdin.closed or proc.stdin.close()))
    testcase.addCleanup(lambda: proc.poll() is None and proc.kill())
    return collector, proc, collector.conn_of(proc.pid, timeout=20), app
