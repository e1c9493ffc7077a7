"""When the djleak engine that launched this process tree dies (killed, crashed), the tree must not live on
as an orphan nobody stops: the runner's process watches its parent (the engine) and, once it is gone, stops
its own process group (SIGTERM, then SIGKILL after a grace period). Armed only when the engine launched us
(``DJLEAK_ENGINE_PID`` is our parent) in a process group of our own, never for a recording or a user's run."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Optional

from . import diag

POLL_SECONDS = 0.5
GRACE_SECONDS = 5.0


def _armed(engine_pid: Optional[str]) -> bool:
    try:
        return engine_pid is not None and int(engine_pid) == os.getppid() and os.getpgrp() == os.getpid()
    except (ValueError, AttributeError, OSError):  # AttributeError: no process groups (Windows)
        return False


def _watch(parent: int) -> None:
    try:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        diag.stderr("the djleak engine is gone: stopping this process group")
        group = os.getpgrp()
        os.killpg(group, signal.SIGTERM)
        time.sleep(GRACE_SECONDS)
        os.killpg(group, signal.SIGKILL)
    except Exception as exc:
        diag.report("watchdog", "could not stop the process group", exc=exc)


def start(engine_pid: Optional[str]) -> bool:
    if not _armed(engine_pid):
        return False
    threading.Thread(target=_watch, args=(os.getppid(),), name="djleak-watchdog", daemon=True).start()
    return True
