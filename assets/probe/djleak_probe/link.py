"""The link to the engine: one TCP connection (or a record file) per process, NDJSON lines.

The app only ever calls ``send``/``batch``, which never block: messages go into a bounded queue drained by a
daemon sender thread; when the queue is full the message is dropped and counted, and the count is reported in
a later ``log`` message. A reader thread answers ``command`` lines (collector mode only); what it sends (command
replies and the messages a command streams before its reply, e.g. ``snapshot_chunk``) goes through
``send_reliable`` instead: the same queue, so the order is kept, but never dropped while the link is up: the
reader thread waits for room (it is the probe's thread, the app never waits on it).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Union

from . import diag
from .config import Config

MAX_LINE = 1 << 20  # the engine drops longer lines (newline included)
MAX_ITEMS_PER_MESSAGE = 1000
MAX_PENDING_ITEMS = 10_000  # per batch kind between two flushes
CONNECT_TIMEOUT = 3.0
COALESCE_MAX = 64  # socket mode: up to this many queued messages per sendall
RELIABLE_TIMEOUT = 30.0  # send_reliable gives up after waiting this long for room (the engine stopped reading)
RELIABLE_INFLIGHT_MAX = 4 << 20  # pre-encoded bytes queued by send_reliable and not yet written (memory bound)
_STOP = object()
_BROKEN = object()  # the reader saw the connection end: the sender reconnects
# Collector mode: a dropped connection is reopened (with a new hello) after these waits, then every 5 s, for
# up to RECONNECT_GIVE_UP seconds; meanwhile messages wait in the bounded queue (overflow counted as drops).
RECONNECT_DELAYS = (0.1, 0.3, 1.0, 2.0, 5.0)
RECONNECT_GIVE_UP = 600.0

# What a command may send before its reply: a message, or one pre-encoded NDJSON line (bytes, ``\n`` included,
# that already carries ``pid``). Returns False when it could not be queued (link gone, or timed out).
Emit = Callable[[Union[Dict[str, Any], bytes]], bool]
# ``on_command(message, emit)`` returns the reply; ``emit`` sends streamed messages ahead of it.
OnCommand = Callable[[Dict[str, Any], Emit], Dict[str, Any]]


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def encode(msg: Dict[str, Any]) -> bytes:
    """One NDJSON line (ASCII, ``\\n`` terminated)."""
    return json.dumps(msg, separators=(",", ":"), default=_json_default).encode("ascii") + b"\n"


class Link:
    """Transport for one process. Construct, then ``start()``; ``abandon()`` in a forked child."""

    def __init__(
        self,
        cfg: Config,
        hello: Dict[str, Any],
        on_command: Optional[OnCommand] = None,
    ) -> None:
        self.cfg = cfg
        self._hello = hello
        self._on_command = on_command
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=cfg.queue_max)
        self._batches: Dict[str, List[Dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._dropped = 0  # not yet reported
        self._inflight = threading.Condition(threading.Lock())  # guards _inflight_bytes
        self._inflight_bytes = 0
        self.dropped_total = 0
        self._alive = True
        self._closing = False
        self._sock: Optional[socket.socket] = None  # usable (connected) socket
        self._fd = -1
        # Every descriptor the link creates is registered under this lock, and runtime holds it across
        # fork(): a child then always knows (and closes) its copies, even of a connection still in progress.
        self.fd_lock = threading.Lock()
        self._owned_socks: List[socket.socket] = []
        self._sender: Optional[threading.Thread] = None
        self._reader: Optional[threading.Thread] = None
        self._wake = threading.Event()  # cuts a reconnect wait short on close()
        self.reconnects = 0
        self.pid = os.getpid()

    # ---- app side: never blocks, never raises -------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._alive

    def send(self, msg: Dict[str, Any]) -> bool:
        if not self._alive:
            return False
        try:
            self._queue.put_nowait(msg)
            return True
        except queue.Full:
            self._count_drop(1)
            return False
        except Exception:
            return False

    def send_reliable(self, msg: Union[Dict[str, Any], bytes], timeout: float = RELIABLE_TIMEOUT) -> bool:
        """For the reader thread (replies, streamed command output): queued in order, never dropped by the
        queue's drop policy. Waits (up to ``timeout``) for room in the queue, and, for pre-encoded lines, until
        fewer than ``RELIABLE_INFLIGHT_MAX`` bytes of them are waiting, so a big stream is not all in memory at
        once. Returns False when the link is gone or the wait timed out. Never call it from an app thread."""
        if not self._alive:
            return False
        size = len(msg) if isinstance(msg, bytes) else 0
        deadline = time.monotonic() + timeout
        if size:
            with self._inflight:
                while self._inflight_bytes and self._inflight_bytes + size > RELIABLE_INFLIGHT_MAX:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._alive:
                        return False
                    self._inflight.wait(min(remaining, 0.1))
                self._inflight_bytes += size
        while True:
            try:
                self._queue.put(msg, timeout=0.1)
                return True
            except queue.Full:
                if self._alive and time.monotonic() < deadline:
                    continue
            except Exception:
                pass
            if size:
                self._release(size)
            return False

    def _release(self, size: int) -> None:
        with self._inflight:
            self._inflight_bytes = max(0, self._inflight_bytes - size)
            self._inflight.notify_all()

    def batch(self, kind: str, item: Dict[str, Any]) -> None:
        """Add one item to the ``kind`` batch (``samples``, ``requests``), sent at the next ``flush``."""
        if not self._alive:
            return
        with self._lock:
            items = self._batches.get(kind)
            if items is None:
                items = self._batches[kind] = []
            if len(items) >= MAX_PENDING_ITEMS:
                self._dropped += 1
                self.dropped_total += 1
                return
            items.append(item)

    def flush(self) -> None:
        """Turn pending batch items into messages on the queue."""
        if not self._alive:
            return
        with self._lock:
            batches, self._batches = self._batches, {}
        for kind, items in batches.items():
            for i in range(0, len(items), MAX_ITEMS_PER_MESSAGE):
                self.send({"type": kind, "items": items[i : i + MAX_ITEMS_PER_MESSAGE]})

    def drain(self, timeout: float = 0.5) -> bool:
        """Flush the pending batches and wait (up to ``timeout``) until the sender has taken every queued
        message: records waiting to be sent are the probe's memory, not the app's. True when the queue emptied.
        Never call it from an app thread."""
        self.flush()
        deadline = time.monotonic() + timeout
        # unfinished_tasks: messages queued and not yet written and let go of by the sender
        while self._queue.unfinished_tasks:
            if not self._alive or time.monotonic() >= deadline:
                return False
            time.sleep(0.002)
        return True

    def _count_drop(self, n: int) -> None:
        with self._lock:
            self._dropped += n
            self.dropped_total += n

    # ---- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        self._sender = threading.Thread(target=self._run_sender, name="djleak-sender", daemon=True)
        self._sender.start()

    def close(self, timeout: float = 2.0) -> None:
        """Flush, let the sender drain what is queued (bounded wait), then close. For interpreter exit."""
        if not self._alive:
            return
        sender = self._sender
        if sender is not None and sender.is_alive():
            deadline = time.monotonic() + timeout
            try:
                self._queue.put(_STOP, timeout=timeout)
                sender.join(max(0.0, deadline - time.monotonic()))
            except Exception:
                pass
        self._closing = True
        self._alive = False
        self._wake.set()
        self._close_transport(shutdown=True)

    def abandon(self) -> None:
        """In a forked child: forget the parent's link without touching its locks or its connection.

        Only this process's copies of the descriptors are closed (no ``shutdown``: that would end the
        parent's connection too); otherwise the engine would not see EOF when the parent goes away.
        """
        self._closing = True
        self._alive = False
        self._close_transport(shutdown=False)

    def _close_transport(self, shutdown: bool) -> None:
        self._sock = None
        socks, self._owned_socks = self._owned_socks, []
        for sock in socks:
            if shutdown:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            try:
                sock.close()
            except OSError:
                pass
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def _lose(self, reason: str) -> None:
        """The engine is gone: say so once, stop sending, keep the app running."""
        was_alive, self._alive = self._alive, False
        if was_alive and not self._closing:
            what = "collector link" if self.cfg.collector is not None else f"record file {self.cfg.record}"
            diag.stderr_once("lost-link", f"lost the {what} ({reason}); the app keeps running")
        self._closing = True
        self._close_transport(shutdown=True)
        try:
            while True:
                self._queue.get_nowait()
        except Exception:
            pass
        with self._lock:
            self._batches = {}

    # ---- sender thread -------------------------------------------------------------------------------

    def _open(self) -> None:
        if self.cfg.collector is not None:
            self._sock = self._connect(*self.cfg.collector)
        elif self.cfg.record is not None:
            with self.fd_lock:
                if self._closing:
                    raise OSError("link closed")
                self._fd = os.open(self.cfg.record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        else:
            raise OSError("no collector and no record file")

    def _connect(self, host: str, port: int) -> socket.socket:
        error: Optional[BaseException] = None
        # A str host makes getaddrinfo import the idna codec lazily, in this thread: if the app forks at that
        # moment, the child inherits a held import lock and its own link would deadlock. Bytes avoid it.
        try:
            host_arg: Any = host.encode("ascii")
        except UnicodeEncodeError:
            host_arg = host
        for family, type_, proto, _, addr in socket.getaddrinfo(host_arg, port, 0, socket.SOCK_STREAM):
            with self.fd_lock:
                if self._closing:
                    raise OSError("link closed")
                sock = socket.socket(family, type_, proto)
                self._owned_socks.append(sock)
            try:
                sock.settimeout(CONNECT_TIMEOUT)
                sock.connect(addr)
                sock.settimeout(None)
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                return sock
            except OSError as exc:
                error = exc
                with self.fd_lock:
                    if sock in self._owned_socks:
                        self._owned_socks.remove(sock)
                sock.close()
        raise error if error is not None else OSError(f"cannot resolve {host}")

    def _encode_lines(self, msg: Any) -> List[bytes]:
        if isinstance(msg, bytes):  # pre-encoded by a command (send_reliable), already checked for length
            if len(msg) <= MAX_LINE and msg.endswith(b"\n"):
                return [msg]
            self._count_drop(1)
            diag.report("too-long", "dropped a pre-encoded line longer than 1 MiB", level="warning")
            return []
        if "pid" not in msg:  # every line names its process (record files mix several processes)
            msg = {**msg, "pid": self.pid}
        try:
            line = encode(msg)
        except Exception as exc:
            self._count_drop(1)
            diag.report("encode", f"could not encode a {msg.get('type')!r} message", exc=exc)
            return []
        if len(line) <= MAX_LINE:
            return [line]
        items = msg.get("items")
        if isinstance(items, list) and len(items) > 1:
            half = len(items) // 2
            return self._encode_lines({**msg, "items": items[:half]}) + self._encode_lines(
                {**msg, "items": items[half:]}
            )
        self._count_drop(1)
        diag.report("too-long", f"dropped a {msg.get('type')!r} message longer than 1 MiB", level="warning")
        return []

    def _write(self, lines: List[bytes]) -> None:
        if not lines:
            return
        sock = self._sock
        if sock is not None:
            sock.sendall(b"".join(lines))
            return
        fd = self._fd
        if fd < 0:
            raise OSError("link closed")
        for line in lines:  # one write per whole line: O_APPEND keeps lines of several processes intact
            view = memoryview(line)
            while view:
                n = os.write(fd, view)
                view = view[n:]

    def _drop_notice(self) -> List[bytes]:
        with self._lock:
            n, self._dropped = self._dropped, 0
        if not n:
            return []
        return self._encode_lines(
            {
                "type": "log",
                "level": "warning",
                "message": f"dropped {n} message(s): the engine did not keep up",
                "dropped": n,
                "dropped_total": self.dropped_total,
            }
        )

    def _run_sender(self) -> None:
        try:
            self._open()
        except Exception as exc:
            if self.cfg.collector is not None:
                host, port = self.cfg.collector
                self._lose(f"cannot connect to {host}:{port}: {exc}")
            else:
                self._lose(f"cannot open it: {exc}")
            return
        try:
            self._start_stream()
            stop = False
            while not stop:
                first = self._queue.get()
                if first is _BROKEN:
                    self._queue.task_done()
                    if not self._reconnect("the collector closed the connection"):
                        return
                    continue
                batch = [first]
                # Socket mode: coalesce what is already queued into one sendall.
                while self._sock is not None and len(batch) < COALESCE_MAX:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                lines = self._drop_notice()
                raw = 0
                broken = False
                for msg in batch:
                    if msg is _STOP:
                        stop = True
                        break
                    if msg is _BROKEN:
                        broken = True
                        continue
                    if isinstance(msg, bytes):
                        raw += len(msg)
                    lines.extend(self._encode_lines(msg))
                try:
                    self._write(lines)
                except OSError as exc:
                    if self._closing or self.cfg.collector is None:
                        raise
                    self._count_drop(len(batch))  # lost with the connection
                    broken = True
                    reason = f"{type(exc).__name__}: {exc}"
                else:
                    reason = "the collector closed the connection"
                finally:
                    if raw:
                        self._release(raw)
                # Let go of what was sent before waiting for more (drain waits for it): held until the next
                # message, the last batch of request records (~9 blocks, ~900 B a request) was counted by a
                # measurement as the app's.
                taken = len(batch)
                del first, batch, lines, msg
                for _ in range(taken):
                    self._queue.task_done()
                if broken and not stop and not self._reconnect(reason):
                    return
        except Exception as exc:
            if not self._closing:
                self._lose(f"{type(exc).__name__}: {exc}")

    def _start_stream(self) -> None:
        """The hello, then (collector mode) a reader for the engine's commands on this connection."""
        self._write(self._encode_lines(self._hello))
        sock = self._sock
        if sock is not None:
            self._reader = threading.Thread(target=self._run_reader, args=(sock,), name="djleak-reader", daemon=True)
            self._reader.start()

    def _reconnect(self, reason: str) -> bool:
        """Collector mode: reopen a dropped connection and start the stream again (a new hello: the engine
        takes the process back into its session). The app never waits: it keeps queueing meanwhile."""
        if self._closing or self.cfg.collector is None:
            return False
        diag.stderr(f"lost the collector link ({reason}); reconnecting")
        with self.fd_lock:
            socks, self._owned_socks = self._owned_socks, []
            self._sock = None
        for sock in socks:
            try:
                sock.close()
            except OSError:
                pass
        deadline = time.monotonic() + RECONNECT_GIVE_UP
        attempt = 0
        while not self._closing:
            if self._wake.wait(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]):
                return False
            attempt += 1
            try:
                self._sock = self._connect(*self.cfg.collector)
                self._start_stream()
            except OSError as exc:
                self._sock = None
                if time.monotonic() > deadline:
                    self._lose(f"cannot reconnect for {RECONNECT_GIVE_UP:.0f} s: {exc}")
                    return False
                continue
            self.reconnects += 1
            diag.report("link", f"reconnected to the collector after {attempt} attempt(s)", level="info")
            return True
        return False

    # ---- reader thread -------------------------------------------------------------------------------

    def _run_reader(self, sock: socket.socket) -> None:
        buf = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        break
                    line, buf = buf[:nl], buf[nl + 1 :]
                    self._handle_line(line)
                if len(buf) > MAX_LINE:
                    buf = b""
        except Exception:
            pass
        # The connection ended: the sender reconnects (unless this is an old connection, or we are closing).
        if not self._closing and sock is self._sock:
            try:
                self._queue.put_nowait(_BROKEN)
            except queue.Full:
                pass  # the sender is busy writing: its next write fails and it reconnects

    def _handle_line(self, line: bytes) -> None:
        try:
            line = line.strip()
            if not line:
                return
            msg = json.loads(line)
            if not isinstance(msg, dict) or msg.get("type") != "command" or self._on_command is None:
                return
            self.send_reliable(self._on_command(msg, self.send_reliable))
        except Exception as exc:
            diag.report("command", "could not handle a line from the collector", level="warning", exc=exc)
