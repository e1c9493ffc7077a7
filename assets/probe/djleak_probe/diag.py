"""The probe's own diagnostics: once per key, to stderr (``[djleak]``) and, when the link is up, as ``log``."""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Callable, Dict, Optional, Set

PREFIX = "[djleak]"

# Installed by runtime: sends a ``log`` message over the current link (returns False when it cannot).
_log_sink: Optional[Callable[[Dict[str, object]], bool]] = None
_seen: Set[str] = set()
_lock = threading.Lock()


def set_sink(sink: Optional[Callable[[Dict[str, object]], bool]]) -> None:
    global _log_sink
    _log_sink = sink


def reset() -> None:
    """Forget what was reported: a forked process reports its own problems again (fresh lock, too)."""
    global _lock
    _lock = threading.Lock()
    _seen.clear()


def stderr(message: str) -> None:
    """Write one ``[djleak]`` line to stderr; never raises."""
    try:
        stream = sys.stderr or sys.__stderr__
        if stream is None:
            return
        stream.write(f"{PREFIX} {message}\n")
        stream.flush()
    except Exception:
        pass


def _first_time(key: str) -> bool:
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
        return True


def send_log(level: str, message: str, **extra: object) -> bool:
    """Send a ``log`` message over the link only (no stderr)."""
    sink = _log_sink
    if sink is None:
        return False
    try:
        msg: Dict[str, object] = {"type": "log", "level": level, "message": message}
        msg.update(extra)
        return bool(sink(msg))
    except Exception:
        return False


def report(key: str, message: str, level: str = "error", exc: Optional[BaseException] = None) -> None:
    """Report a probe problem once per ``key`` per process. Never raises."""
    try:
        if not _first_time(key):
            return
        if exc is not None:
            message = f"{message}: {type(exc).__name__}: {exc}"
        stderr(message)
        extra: Dict[str, object] = {}
        if exc is not None:
            extra["traceback"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
        send_log(level, message, **extra)
    except Exception:
        pass


def stderr_once(key: str, message: str) -> None:
    """stderr only, once per ``key`` per process (used when the link itself is the problem)."""
    try:
        if _first_time(key):
            stderr(message)
    except Exception:
        pass
