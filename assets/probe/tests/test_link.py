"""The link: hello first (with token), NDJSON framing, batches, commands/replies, lost collector, drops."""

from __future__ import annotations

import contextlib
import gc
import io
import json
import socket
import os
import threading
import time
import subprocess
import sys
import unittest

from djleak_probe import diag
from djleak_probe import link as link_mod
from djleak_probe.config import Config
from djleak_probe.link import MAX_LINE, Link

from .helpers import TOKEN, Collector, free_port, popen_probe, probe_env, read_lines, tempdir, wait_until, write

# Waits for lines on stdin: "exit N" exits with N; "wait-lost" waits until the probe dropped its link.
APP = """\
import sys, time
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "exit":
        sys.exit(int(cmd[1]))
    if cmd[0] == "wait-lost":
        from djleak_probe import runtime
        deadline = time.monotonic() + 60  # a hang guard: the link gives up after its own window
        while runtime.current_link() is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        print("lost" if runtime.current_link() is None else "still-linked", flush=True)
"""


FLOOD = """\
import json, time
from djleak_probe import runtime, sampler
link = runtime.current_link()
time.sleep(0.2)
rss0 = sampler.current_rss()
worst = 0.0
for i in range(200_000):
    t = time.perf_counter()
    link.send({"type": "log", "level": "info", "message": "m" * 200})
    link.batch("requests", {"t": 0.0, "method": "GET", "route": "r/", "path": "/r/", "status": 200,
                            "duration_ms": 1.0, "rss_before": 1, "rss_after": 2})
    worst = max(worst, time.perf_counter() - t)
time.sleep(0.3)
print(json.dumps({"calls": 400_000, "dropped": link.dropped_total, "max_call_ms": round(worst * 1000, 2),
                  "rss_growth_mb": round((sampler.current_rss() - rss0) / 1048576, 1)}), flush=True)
"""


class CollectorLinkTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempdir(self)
        self.app = write(self.dir, "app.py", APP)
        self.collector = Collector()
        self.addCleanup(self.collector.close)

    def start(self, env=None):  # type: ignore[no-untyped-def]
        proc = popen_probe(["run", "--", self.app, "arg1"], env or self.collector.env())
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.addCleanup(lambda: (proc.stdout.close(), proc.stderr.close(), proc.stdin.closed or proc.stdin.close()))
        return proc

    def test_hello_batches_commands_bye(self) -> None:
        proc = self.start()
        conn = self.collector.conn_of(proc.pid)
        hello = conn.hello
        assert hello is not None
        self.assertEqual(hello["type"], "hello")
        self.assertEqual(hello["v"], 1)
        self.assertEqual(hello["token"], TOKEN)
        self.assertEqual(hello["role"], "main")
        self.assertEqual(hello["ppid"], os.getpid())
        self.assertEqual(hello["argv"], [self.app, "arg1"])
        self.assertIsInstance(hello["t"], float)
        self.assertIsInstance(hello["psutil"], bool)
        for key in ("python", "executable"):
            self.assertIsInstance(hello[key], str)

        wait_until(lambda: len(conn.of_type("samples")) >= 3)
        batch = conn.of_type("samples")[0]
        self.assertGreaterEqual(len(batch["items"]), 1)
        self.assertIn("gc_count", batch["items"][0])

        ping = conn.command(1, "ping")
        self.assertEqual(ping, {"type": "reply", "id": 1, "ok": True, "result": ping["result"], "pid": proc.pid})
        self.assertIsInstance(ping["result"]["t"], float)
        gc_reply = conn.command(2, "gc_collect", {"generation": 1})
        self.assertTrue(gc_reply["ok"])
        self.assertEqual(set(gc_reply["result"]), {"collected", "rss_before", "rss_after"})
        self.assertTrue(conn.command(3, "gc_collect")["ok"])  # args omitted
        sample = conn.command(4, "sample_now", {})
        self.assertTrue(sample["ok"])
        self.assertIn("rss", sample["result"]["sample"])
        self.assertEqual(conn.command(5, "rm_rf", {}), {"type": "reply", "id": 5, "ok": False,
                                                       "error": "unknown command", "pid": proc.pid})
        self.assertFalse(conn.command(6, "gc_collect", {"generation": 9})["ok"])
        measure = conn.command(8, "measure", {"collect": True})
        self.assertTrue(measure["ok"], measure)
        self.assertEqual(set(measure["result"]["before"]), {"rss", "heap", "blocks", "gc_objects", "traced"})
        self.assertIsInstance(measure["result"]["collected"], int)
        self.assertIsNone(conn.command(9, "measure", {"collect": False})["result"]["after"])
        self.assertEqual(conn.command(10, "urls"), {"type": "reply", "id": 10, "ok": False,
                                                    "error": "django is not set up in this process", "pid": proc.pid})
        conn.send({"type": "something-else"})  # ignored
        conn.sock.sendall(b"not json\n")  # ignored (reported once), link stays up
        self.assertTrue(conn.command(7, "ping")["ok"])

        proc.stdin.write("exit 0\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        wait_until(lambda: conn.eof)
        self.assertEqual(conn.messages[-1]["type"], "bye")
        self.assertEqual(conn.messages[-1]["reason"], "exit")
        # NDJSON framing: every line is one JSON object, newline-terminated, hello first and only once
        self.assertTrue(conn.raw.endswith(b"\n"))
        lines = conn.raw.split(b"\n")[:-1]
        self.assertEqual([json.loads(x)["type"] for x in lines][:1], ["hello"])
        self.assertEqual(len(conn.of_type("hello")), 1)
        self.assertTrue(all(m["pid"] == proc.pid for m in conn.messages))
        self.assertEqual(proc.stderr.read().count("[djleak]"), 1)  # the bad line from the "engine"

    def test_refused_collector_app_keeps_running(self) -> None:
        env = self.collector.env({"DJLEAK_COLLECTOR": f"127.0.0.1:{free_port()}"})
        proc = self.start(env)
        proc.stdin.write("wait-lost\nexit 5\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(90), 5)
        self.assertEqual(proc.stdout.read().strip(), "lost")
        err = proc.stderr.read()
        self.assertEqual(err.count("[djleak] lost the collector link"), 1, err)
        self.assertIn("the app keeps running", err)

    def test_dropped_connection_is_restored_with_a_new_hello(self) -> None:
        proc = self.start()
        first = self.collector.conn_of(proc.pid)
        wait_until(lambda: first.of_type("samples"))
        first.close()  # the engine side drops the connection
        second = wait_until(lambda: next((c for c in self.collector.conns[1:] if c.hello), None))
        self.assertEqual(second.hello["pid"], proc.pid)
        wait_until(lambda: second.of_type("samples"))  # the stream goes on
        self.assertTrue(second.command(3, "ping")["ok"])  # and commands work on the new connection
        wait_until(lambda: any("reconnected" in m.get("message", "") for m in second.of_type("log")))
        proc.stdin.write("exit 0\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        wait_until(lambda: second.eof)
        self.assertEqual(second.messages[-1]["type"], "bye")
        err = proc.stderr.read()
        self.assertEqual(err.count("[djleak] lost the collector link"), 1, err)
        self.assertIn("reconnecting", err)

    def test_an_engine_that_stops_reading_never_blocks_the_app_and_memory_stays_bounded(self) -> None:
        # A collector that accepts and never reads: the socket buffers fill, the sender blocks, the queue fills,
        # and from then on the app's sends are dropped (counted), never waited on. Nothing ever makes room, so
        # a send that waited for it would wait forever, and one that waited up to a timeout would do so for each
        # of the 100,000+ drops: the run's 120 s limit is that hang guard. How long the longest call takes is a
        # figure of the machine: bench/probe_costs.py reports it against its goal (under 250 ms).
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        self.addCleanup(server.close)
        env = probe_env({"DJLEAK_COLLECTOR": f"127.0.0.1:{server.getsockname()[1]}", "DJLEAK_TOKEN": TOKEN,
                         "DJLEAK_BATCH_INTERVAL": "0.02"})
        app = write(self.dir, "flood.py", FLOOD)
        done = subprocess.run([sys.executable, "-m", "djleak_probe", "run", "--", app], env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        report = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n  flood: {report}", file=sys.stderr)
        self.assertEqual(report["calls"], 400_000)
        self.assertGreater(report["dropped"], 100_000)  # past the socket buffers and the queue: dropped, counted
        self.assertLess(report["rss_growth_mb"], 64)

    def test_bad_collector_value_is_reported_and_ignored(self) -> None:
        proc = self.start(probe_env({"DJLEAK_COLLECTOR": "nonsense"}))
        proc.stdin.write("exit 0\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        self.assertIn("[djleak] ignoring DJLEAK_COLLECTOR='nonsense'", proc.stderr.read())


class LinkUnitTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempdir(self)
        self.path = os.path.join(self.dir, "r.ndjson")
        diag.reset()
        self.err = io.StringIO()
        redirect = contextlib.redirect_stderr(self.err)
        redirect.__enter__()
        self.addCleanup(redirect.__exit__, None, None, None)

    def test_bounded_queue_counts_and_reports_drops(self) -> None:
        link = Link(Config(record=self.path, queue_max=5), {"type": "hello"})
        accepted = [link.send({"type": "log", "level": "info", "message": str(i)}) for i in range(12)]
        self.assertEqual(accepted, [True] * 5 + [False] * 7)
        self.assertEqual(link.dropped_total, 7)
        link.start()
        link.close()
        msgs = read_lines(self.path)
        self.assertEqual(msgs[0]["type"], "hello")
        self.assertEqual(msgs[1]["type"], "log")
        self.assertEqual(msgs[1]["dropped"], 7)
        self.assertEqual([m["message"] for m in msgs[2:]], ["0", "1", "2", "3", "4"])
        self.assertFalse(link.send({"type": "log"}))  # closed: dropped silently

    def test_batch_cap_and_split(self) -> None:
        old = link_mod.MAX_PENDING_ITEMS
        link_mod.MAX_PENDING_ITEMS = 2500
        self.addCleanup(setattr, link_mod, "MAX_PENDING_ITEMS", old)
        link = Link(Config(record=self.path), {"type": "hello"})
        for i in range(2600):
            link.batch("requests", {"i": i})
        link.flush()
        link.start()
        link.close()
        msgs = read_lines(self.path)
        batches = [m for m in msgs if m["type"] == "requests"]
        self.assertEqual([len(b["items"]) for b in batches], [1000, 1000, 500])
        self.assertEqual(link.dropped_total, 100)
        self.assertEqual([m["dropped"] for m in msgs if m["type"] == "log"], [100])

    def test_lines_over_1mib_are_split(self) -> None:
        link = Link(Config(record=self.path), {"type": "hello"})
        big = "x" * 300_000
        link.send({"type": "requests", "items": [{"path": big} for _ in range(8)]})
        link.send({"type": "log", "level": "info", "message": "y" * (MAX_LINE + 10)})  # cannot split: dropped
        link.send({"type": "log", "level": "info", "message": "after"})
        link.start()
        link.close()
        with open(self.path, "rb") as f:
            raw = f.read().split(b"\n")[:-1]
        self.assertTrue(all(len(line) + 1 <= MAX_LINE for line in raw))
        msgs = [json.loads(x) for x in raw]
        self.assertEqual(sum(len(m["items"]) for m in msgs if m["type"] == "requests"), 8)
        self.assertEqual(msgs[-1]["message"], "after")
        self.assertEqual(link.dropped_total, 1)
        self.assertEqual(self.err.getvalue(), "[djleak] dropped a 'log' message longer than 1 MiB\n")

    def test_send_reliable_waits_for_room_instead_of_dropping(self) -> None:
        link = Link(Config(record=self.path, queue_max=5), {"type": "hello"})
        for i in range(5):
            self.assertTrue(link.send({"type": "log", "level": "info", "message": str(i)}))
        self.assertFalse(link.send({"type": "log", "level": "info", "message": "dropped"}))  # full: dropped
        self.assertFalse(link.send_reliable({"type": "reply", "id": 0}, timeout=0.05))  # full: gives up in time
        results: list = []
        lines = [b'{"type":"snapshot_chunk","pid":1,"id":"x","seq":%d,"rows":[]}\n' % i for i in range(3)]
        sender = threading.Thread(target=lambda: results.extend(
            [link.send_reliable(line) for line in lines] + [link.send_reliable({"type": "reply", "id": i}) for i in range(20)]
        ))
        sender.start()
        time.sleep(0.1)
        self.assertTrue(sender.is_alive())  # waiting for room, not dropping
        link.start()
        sender.join(5)
        self.assertFalse(sender.is_alive())
        link.close()
        self.assertEqual(results, [True] * 23)
        msgs = read_lines(self.path)
        kinds = [m["type"] for m in msgs]
        self.assertEqual(kinds[:2], ["hello", "log"])  # the drop notice: the plain send only (a timed-out
        self.assertEqual(msgs[1]["dropped"], 1)  # send_reliable is not a drop: its caller was told)
        self.assertEqual([m["message"] for m in msgs if m["type"] == "log"][1:], ["0", "1", "2", "3", "4"])
        self.assertEqual([m["seq"] for m in msgs if m["type"] == "snapshot_chunk"], [0, 1, 2])
        self.assertEqual([m["id"] for m in msgs if m["type"] == "reply"], list(range(20)))
        self.assertLess(kinds.index("snapshot_chunk"), kinds.index("reply"))  # in the order sent

    def test_send_reliable_bounds_the_bytes_in_flight(self) -> None:
        old = link_mod.RELIABLE_INFLIGHT_MAX
        link_mod.RELIABLE_INFLIGHT_MAX = 100
        self.addCleanup(setattr, link_mod, "RELIABLE_INFLIGHT_MAX", old)
        link = Link(Config(record=self.path), {"type": "hello"})
        line = b'{"type":"x","pid":1,"pad":"' + b"p" * 40 + b'"}\n'
        self.assertTrue(link.send_reliable(line))  # one line always goes, whatever its size
        self.assertFalse(link.send_reliable(line, timeout=0.05))  # 2 x 64 bytes > 100: waits, times out
        link.start()
        self.assertTrue(link.send_reliable(line, timeout=5))  # the sender wrote the first: room again
        link.close()
        self.assertEqual([m["type"] for m in read_lines(self.path)], ["hello", "x", "x"])
        link.abandon()
        self.assertFalse(link.send_reliable(line))  # closed

    def test_drain_returns_once_the_sender_let_go_of_what_it_sent(self) -> None:
        # A measurement drains the link first: the records it sent must be gone by then, not held by the sender
        # until the next message (a round's last batch, ~9 blocks a request, read as the app's memory).
        link = Link(Config(record=self.path), {"type": "hello"})
        link.start()
        self.assertTrue(link.drain())
        gc.collect()
        before = sys.getallocatedblocks()
        for i in range(2000):
            link.batch("requests", {"path": f"/stories/{i}/", "route": "stories/<int:pk>/", "ms": i / 7})
        self.assertTrue(link.drain())
        gc.collect()
        self.assertLess(sys.getallocatedblocks() - before, 200)  # 2,000 records: ~8,000 blocks while held
        link.close()
        self.assertEqual(sum(len(m["items"]) for m in read_lines(self.path) if m["type"] == "requests"), 2000)

    def test_unwritable_record_file_is_lost_once(self) -> None:
        link = Link(Config(record=os.path.join(self.dir, "no", "such", "dir", "r.ndjson")), {"type": "hello"})
        link.start()
        wait_until(lambda: not link.alive)
        self.assertFalse(link.send({"type": "log"}))
        link.batch("samples", {})
        link.flush()
        link.close()
        self.assertEqual(self.err.getvalue().count("[djleak] lost the record file"), 1)
        self.assertIn("the app keeps running", self.err.getvalue())


if __name__ == "__main__":
    unittest.main()
