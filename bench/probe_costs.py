"""The probe's own costs, as figures against their goals (the probe's tests check what it does, never how fast):
one sample, one RSS read, and the longest an app thread's ``send``/``batch`` call takes while the engine has
stopped reading (the link drops and counts, never waits). Prints one JSON object.

Usage: python probe_costs.py PROBE_DIR"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List

probe_dir = sys.argv[1]
sys.path[:0] = [probe_dir]

from djleak_probe import sampler  # noqa: E402
from tests.test_link import FLOOD  # noqa: E402 - the flood the link test runs, timed here

GOALS = {"sample_ms": 1.0, "current_rss_ms": 0.2, "app_call_max_ms": 250.0}


def median_s(fn: Callable[[], Any], n: int) -> float:
    times: List[float] = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[n // 2]


def flood() -> Dict[str, Any]:
    """400,000 app calls (a log line and a request record each) against a collector that accepts and never
    reads: the socket buffers and the queue fill, and from then on each call must drop at once."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"djleak-bench-flood-{os.getpid()}")
    os.makedirs(folder, exist_ok=True)
    app = os.path.join(folder, "flood.py")
    with open(app, "w") as f:
        f.write(FLOOD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJLEAK_")}
    env.update({"PYTHONPATH": probe_dir, "DJLEAK_COLLECTOR": f"127.0.0.1:{server.getsockname()[1]}",
                "DJLEAK_TOKEN": "bench", "DJLEAK_BATCH_INTERVAL": "0.02"})
    try:
        done = subprocess.run([sys.executable, "-m", "djleak_probe", "run", "--", app], env=env,
                              capture_output=True, text=True, timeout=600)
    finally:
        server.close()
        os.remove(app)
        os.rmdir(folder)
    if done.returncode != 0:
        raise SystemExit(f"flood failed: {done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


sample_ms = sampler.measure_cost(300) * 1000
rss_ms = median_s(sampler.current_rss, 2000) * 1000
calls = flood()
print(json.dumps({
    "sample": {"median_ms": round(sample_ms, 4), "goal_ms": GOALS["sample_ms"], "met": sample_ms < GOALS["sample_ms"]},
    "current_rss": {
        "median_ms": round(rss_ms, 4), "goal_ms": GOALS["current_rss_ms"], "met": rss_ms < GOALS["current_rss_ms"],
    },
    "app_calls_engine_not_reading": {
        "calls": calls["calls"],
        "dropped": calls["dropped"],
        "max_call_ms": calls["max_call_ms"],
        "goal_ms": GOALS["app_call_max_ms"],
        "met": calls["max_call_ms"] < GOALS["app_call_max_ms"],
        "rss_growth_mb": calls["rss_growth_mb"],
    },
}))
