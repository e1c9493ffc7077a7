"""Record mode's own measurements: with no engine to ask, the probe measures itself so that an imported
recording still gets verdicts (and, when asked for, snapshots).

- every ``DJLEAK_MEASURE_INTERVAL`` seconds (default 60; 0 = off): a ``measure`` line, the same figures as the
  ``measure`` command (before and after a full collection) plus the requests per route so far, then a
  ``gauges`` line (the ``gauges`` command's answer for the working directory's project: the checklist's
  evidence);
- every ``DJLEAK_RECORD_SNAPSHOTS`` seconds (default off): tracemalloc runs from the start (10 frames) and a
  snapshot is written as ``snapshot_chunk`` lines followed by a ``snapshot`` line with its summary.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from typing import Any, Dict, Optional

from . import diag, gauges, tracing
from .commands import COMMANDS
from .gauges import ROUTE_COUNTS
from .link import Link
from .sampler import ProbeThread

SNAPSHOT_FRAMES = 10


def measure_message() -> Dict[str, Any]:
    figures = COMMANDS["measure"]({"collect": True})
    return {"type": "measure", "routes": dict(ROUTE_COUNTS), **figures}


def record_project() -> Optional[str]:
    """The project whose module-level containers the gauges count: the folder above the settings' top package
    (where manage.py usually is), else the working directory; never / or the interpreter's own prefix (a
    service started from / would make every standard library module "the project")."""
    candidates = []
    settings = os.environ.get("DJANGO_SETTINGS_MODULE")
    package = sys.modules.get(settings.split(".")[0]) if settings else None
    init = getattr(package, "__file__", None)
    if isinstance(init, str):
        candidates.append(os.path.dirname(os.path.dirname(os.path.abspath(init))))
    try:
        candidates.append(os.getcwd())
    except OSError:  # the working directory was removed
        pass
    excluded = {"/", os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if real not in excluded:
            return real
    return None


def gauges_message() -> Dict[str, Any]:
    """The checklist's gauges (~20 ms) for the recorded project. Stored sessions are not counted: on a
    production session table that is a full scan a minute per worker."""
    return {"type": "gauges", **gauges.gauges({"project": record_project(), "sessions": False})}


class Recorder(ProbeThread):
    """Daemon thread writing ``measure`` (and ``gauges``, ``snapshot``) lines on a schedule."""

    name = "djleak-recorder"

    def __init__(self, link: Link, measure_interval: float, snapshot_interval: float) -> None:
        super().__init__()
        self._link = link
        self._measure_interval = measure_interval
        self._snapshot_interval = snapshot_interval
        self._snapshots = 0

    @property
    def needed(self) -> bool:
        return self._measure_interval > 0 or self._snapshot_interval > 0

    def start(self) -> None:
        if self._snapshot_interval > 0 and not tracemalloc.is_tracing():
            tracemalloc.start(SNAPSHOT_FRAMES)
        super().start()

    def _snapshot(self) -> None:
        self._snapshots += 1
        result = tracing.snapshot({"id": f"r{self._snapshots}"}, self._link.send_reliable)
        self._link.send({"type": "snapshot", **result})

    def _run(self) -> None:
        try:
            now = time.monotonic()
            next_measure = now + self._measure_interval if self._measure_interval > 0 else float("inf")
            next_snapshot = now + self._snapshot_interval if self._snapshot_interval > 0 else float("inf")
            while not self._stop.wait(max(0.0, min(next_measure, next_snapshot) - time.monotonic())):
                if not self._link.alive:
                    return
                now = time.monotonic()
                if now >= next_measure:
                    self._link.flush()  # the requests counted so far reach the file before their measurement
                    self._link.send(measure_message())
                    try:
                        self._link.send(gauges_message())
                    except Exception as exc:  # the measurements go on without them
                        diag.report("recorder-gauges", "the gauges could not be read", exc=exc)
                    next_measure = max(next_measure + self._measure_interval, now)
                if now >= next_snapshot:
                    self._snapshot()
                    next_snapshot = max(next_snapshot + self._snapshot_interval, now)
        except Exception as exc:
            diag.report("recorder", "the recorder stopped", exc=exc)
