"""What the probe's heap walks cost the app: how long each walk takes, how long an app thread (doing I/O between
bits of work, as a request does) is stopped by it, and how many of the app's tuples the walks break. Runs the
demo in-process (Django test client) after 300 requests. Prints one JSON object.

Usage: python heap_walks.py DEMO_DIR PROBE_DIR DB_FILE"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import statistics
import sys
import threading
import time
import tracemalloc
from typing import Any, Callable, Dict, Iterator, List

demo_dir, probe_dir, db_file = sys.argv[1:4]
sys.path[:0] = [probe_dir, demo_dir]
os.environ["DJANGO_SETTINGS_MODULE"] = "leaky_shop.settings"
os.environ["LEAKY_SHOP_DB"] = db_file

import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402

from djleak_probe import census, gauges, referrers, world  # noqa: E402

client = Client()
for _ in range(150):
    client.get("/cache/leak/")
    client.get("/products/")

gaps: List[float] = []
broken: List[str] = []
stop = threading.Event()
io_every = [0.002]  # seconds of work between two 1 ms waits; 0: never lets go of the GIL


def _items(n: int) -> Iterator[List[int]]:
    for i in range(n):
        yield [i]


def app() -> None:
    last = last_io = time.perf_counter()
    while not stop.is_set():
        try:
            tuple(_items(100))
        except SystemError as error:
            broken.append(str(error))
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        if io_every[0] and now - last_io > io_every[0]:
            time.sleep(0.001)  # the GIL is taken back after it: a paused thread waits there
            last = last_io = time.perf_counter()
            gaps.append(last - now - 0.001)


inside: List[float] = []
paused = world.others_paused


@contextlib.contextmanager
def timed_pause(seconds: Any = None) -> Iterator[None]:
    with paused(seconds):
        start = time.perf_counter()
        yield
        inside.append(time.perf_counter() - start)


world.others_paused = timed_pause  # the same pause, timed from inside


def run(walk: Callable[[], Any], times: int) -> Dict[str, Any]:
    took: List[float] = []
    stalls: List[float] = []
    inside.clear()
    for _ in range(times):
        time.sleep(0.2)
        gaps.clear()
        start = time.perf_counter()
        walk()
        took.append(time.perf_counter() - start)
        time.sleep(0.02)
        stalls.append(max(gaps))
    ms = lambda values: round(statistics.median(values) * 1000, 1)  # noqa: E731
    out = {"walk_ms": ms(took), "app_longest_stall_ms": ms(stalls), "app_stall_max_ms": round(max(stalls) * 1000, 1)}
    if inside:
        out["paused_ms"] = ms(inside)
    return out


thread = threading.Thread(target=app, daemon=True)
thread.start()
import django.db.backends.base.base  # noqa: E402,F401

results: Dict[str, Any] = {"tracked_objects": world.tracked_objects()}
results["census"] = run(lambda: census.census({}), 10)
results["db_wrappers"] = run(gauges.db_wrappers, 10)
results["referrers_3_samples"] = run(lambda: referrers.referrers({"type": "dict", "samples": 3, "budget_ms": 2000}), 5)
results["count_tracked"] = run(world.tracked_objects, 20)
tracemalloc.start(30)  # as while a diagnosis traces: every allocation costs more, walks get longer
results["census_tracing"] = run(lambda: census.census({}), 5)
results["referrers_3_samples_tracing"] = run(
    lambda: referrers.referrers({"type": "dict", "samples": 3, "budget_ms": 2000}), 3
)
tracemalloc.stop()
results["app_tuples_broken_by_walks"] = len(broken)

# The hazard the pause prevents: the same walks unpaused beside an app thread that never lets go of the GIL.
io_every[0] = 0
world.others_paused = lambda seconds=None: contextlib.nullcontext()  # type: ignore[assignment,misc]
broken.clear()
end = time.monotonic() + 5
while time.monotonic() < end:
    census.census({})
    len(gc.get_objects())
results["unpaused_5s_app_tuples_broken"] = len(broken)
stop.set()
thread.join(5)
print(json.dumps(results))
