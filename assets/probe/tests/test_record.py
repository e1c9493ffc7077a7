"""Record-file mode: same lines, token null, whole lines from several forked processes never interleave."""

from __future__ import annotations

import os
import unittest

from .helpers import by_pid, probe_env, read_lines, run_probe, tempdir, write

CHATTER = 300

APP = """\
import os, sys, time
from djleak_probe import runtime
CHATTER = %d
def chatter():  # CHATTER lines of different lengths, written while the other processes write theirs
    link = runtime.current_link()
    for i in range(CHATTER):
        link.send({"type": "log", "level": "debug", "message": "x" * (1000 + 37 * i)})
        time.sleep(0.001)
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        chatter()
        sys.exit(0)
    children.append(pid)
chatter()
for pid in children:
    os.waitpid(pid, 0)
sys.exit(4)
""" % CHATTER


# Runs until the sampler took two samples (a hang guard of 60 s, not a figure of speed).
SAMPLED_APP = """\
import threading
from djleak_probe import sampler
taken = threading.Semaphore(0)
take_sample = sampler.take_sample
def counted():
    try:
        return take_sample()
    finally:
        taken.release()
sampler.take_sample = counted
for _ in range(2):
    if not taken.acquire(timeout=60):
        raise SystemExit("the sampler took no sample within 60 s")
"""


class RecordTest(unittest.TestCase):
    def test_single_process(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", SAMPLED_APP)
        env = probe_env({"DJLEAK_RECORD": path, "DJLEAK_SAMPLE_INTERVAL": "0.02", "DJLEAK_BATCH_INTERVAL": "0.05"})
        proc = run_probe(["run", "--", app], env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        msgs = read_lines(path)
        self.assertEqual(msgs[0]["type"], "hello")
        self.assertIsNone(msgs[0]["token"])
        self.assertEqual(msgs[0]["role"], "main")
        self.assertEqual(msgs[0]["mode"], "record")
        self.assertEqual(msgs[-1]["type"], "bye")
        # Two from the sampler (the app waited for them) and the last one at exit.
        self.assertGreaterEqual(sum(len(m["items"]) for m in msgs if m["type"] == "samples"), 3)
        # appends: a second run adds its own stream after the first
        run_probe(["run", "--", app], env)
        self.assertEqual(len(by_pid(read_lines(path))), 2)

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_forked_processes_append_whole_lines(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", APP)
        env = probe_env({"DJLEAK_RECORD": path, "DJLEAK_SAMPLE_INTERVAL": "0.005", "DJLEAK_BATCH_INTERVAL": "0.01"})
        proc = run_probe(["run", "--", app], env)
        self.assertEqual(proc.returncode, 4, proc.stderr)
        msgs = read_lines(path)  # every line parses: nothing interleaved mid-line
        streams = by_pid(msgs)
        self.assertEqual(len(streams), 4)
        mains = [pid for pid, stream in streams.items() if stream[0]["role"] == "main"]
        self.assertEqual(len(mains), 1)
        main = streams.pop(mains[0])
        self.assertEqual(main[0]["ppid"], os.getpid())
        for pid, stream in streams.items():
            self.assertEqual(stream[0]["type"], "hello")
            self.assertEqual(stream[0]["role"], "worker")
            self.assertEqual(stream[0]["ppid"], main[0]["pid"])
            self.assertEqual(stream[-1]["type"], "bye")
            self.assertTrue(any(m["type"] == "samples" for m in stream))
            self.assertEqual(sum(1 for m in stream if m["type"] == "log" and m["level"] == "debug"), CHATTER)
        self.assertEqual(main[-1]["type"], "bye")
        self.assertEqual(sum(1 for m in main if m["type"] == "log" and m["level"] == "debug"), CHATTER)

    def test_measurements_and_snapshots_on_a_schedule(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", MEASURED_APP)
        env = probe_env({
            "DJLEAK_RECORD": path, "DJLEAK_SAMPLE_INTERVAL": "0.02", "DJLEAK_BATCH_INTERVAL": "0.05",
            "DJLEAK_MEASURE_INTERVAL": "0.1", "DJLEAK_RECORD_SNAPSHOTS": "0.25",
        })
        proc = run_probe(["run", "--", app], env, timeout=300)  # a hang guard: the app waits for the recorder
        self.assertEqual(proc.returncode, 0, proc.stderr)
        msgs = read_lines(path)
        self.assertEqual(msgs[0]["cwd"], os.getcwd())
        measures = [m for m in msgs if m["type"] == "measure"]
        self.assertGreaterEqual(len(measures), 7)  # one after each of the app's steps
        for m in measures:
            self.assertIsNotNone(m["after"])  # after a full collection
            self.assertGreaterEqual(m["collected"], 0)
        self.assertEqual(measures[-1]["routes"], {"GET items/": 7})  # what the app counted in
        # The kept lists grow between measurements (traced by the recorder's tracemalloc). The last measurement
        # may come after the app's module was torn down (it did under CI load: 85 KB traced), so the largest is
        # compared: at least one more 200 KB list than at the first.
        traced = [m["after"]["traced"] for m in measures]
        self.assertGreater(max(traced), traced[0] + 150_000, traced)
        summaries = [m for m in msgs if m["type"] == "snapshot"]
        self.assertGreaterEqual(len(summaries), 2)
        chunks = [m for m in msgs if m["type"] == "snapshot_chunk" and m["id"] == summaries[0]["id"]]
        self.assertEqual(len(chunks), summaries[0]["chunks"])
        self.assertEqual(sum(len(c["rows"]) for c in chunks), summaries[0]["rows_sent"])
        self.assertFalse(summaries[0]["started_tracing"])

    def test_measurements_are_off_outside_record_mode_and_with_0(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", "import time; time.sleep(0.3)\n")
        env = probe_env({"DJLEAK_RECORD": path, "DJLEAK_MEASURE_INTERVAL": "0", "DJLEAK_BATCH_INTERVAL": "0.05"})
        proc = run_probe(["run", "--", app], env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertFalse(any(m["type"] in ("measure", "snapshot") for m in read_lines(path)))


MEASURED_APP = """\
import threading
from djleak_probe import recorder
from djleak_probe.gauges import ROUTE_COUNTS

# The app goes on when the recorder has done its part (not after a sleep that a loaded machine may outlast):
# each step waits for a measurement that started after it, and the end for two snapshots.
done = threading.Condition()
started, measured, snapshots = [0], [0], [0]
measure_message, snapshot = recorder.measure_message, recorder.Recorder._snapshot

def counted_measure():
    with done:
        started[0] += 1
    try:
        return measure_message()
    finally:
        with done:
            measured[0] += 1
            done.notify_all()

def counted_snapshot(self):
    try:
        snapshot(self)
    finally:
        with done:
            snapshots[0] += 1
            done.notify_all()

recorder.measure_message = counted_measure
recorder.Recorder._snapshot = counted_snapshot

def wait_for(what, ready):
    with done:
        if not done.wait_for(ready, timeout=60):  # a hang guard, not a figure of speed
            raise SystemExit(f"no {what} within 60 s")

kept = []
for i in range(7):
    ROUTE_COUNTS["GET items/"] = i + 1  # what the middleware counts per recorded request
    kept.append(bytearray(200_000))
    with done:
        after = started[0] + 1  # a measurement under way may have read its figures before this step
    wait_for(f"measurement after step {i}", lambda: measured[0] >= after)
wait_for("two snapshots", lambda: snapshots[0] >= 2)
"""


if __name__ == "__main__":
    unittest.main()
