"""tracemalloc commands: trace_start/stop/status and snapshot (in process, and over a real collector link, with
census and referrers in the same process)."""

from __future__ import annotations

import json
import os
import tracemalloc
import unittest
from typing import Any, Dict, List, Tuple

from djleak_probe import census, commands, tracing
from djleak_probe.link import MAX_LINE

from .helpers import linked_app, wait_until

FILE = os.path.abspath(__file__)
PROBE_DIR = os.path.dirname(os.path.abspath(tracing.__file__)) + os.sep
REPLY_KEYS = {"id", "t", "started_tracing", "frames", "traced_bytes", "peak_bytes", "rows_total", "rows_sent",
              "chunks", "truncated", "elapsed_ms"}


def _line_of(path: str, marker: str) -> int:
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.rstrip().endswith(marker):
                return number
    raise AssertionError(marker)


def _command(name: str, args: Any = None, emit: Any = None) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"type": "command", "id": 3, "name": name}
    if args is not None:
        msg["args"] = args
    return commands.handle(msg, emit)


def _allocate(n: int) -> List[bytearray]:
    kept = []
    for _ in range(n):
        kept.append(bytearray(1000))  # ALLOC
    return kept


def _snapshot(args: Dict[str, Any]) -> Tuple[Dict[str, Any], List[bytes]]:
    lines: List[bytes] = []

    def emit(line: Any) -> bool:
        lines.append(line)
        return True

    reply = _command("snapshot", args, emit)
    assert reply["ok"], reply
    return reply["result"], lines


def _excluded(filename: str) -> bool:
    return (filename.startswith(PROBE_DIR) or filename == tracemalloc.__file__
            or filename.startswith("<frozen importlib") or filename == "<unknown>")


class TracingTest(unittest.TestCase):
    def setUp(self) -> None:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        self.addCleanup(tracemalloc.stop)

    def test_start_stop_status(self) -> None:
        status = _command("trace_status")["result"]
        self.assertEqual(status["tracing"], False)
        self.assertIsNone(status["frames"])
        self.assertEqual((status["traced_bytes"], status["peak_bytes"]), (0, 0))
        self.assertIsInstance(status["overhead_bytes"], int)
        self.assertEqual(set(status), {"tracing", "frames", "traced_bytes", "peak_bytes", "overhead_bytes"})

        self.assertEqual(_command("trace_start")["result"], {"tracing": True, "frames": 10, "was_tracing": False})
        kept = _allocate(100)
        status = _command("trace_status", {})["result"]
        self.assertEqual((status["tracing"], status["frames"]), (True, 10))
        self.assertGreater(status["traced_bytes"], 100_000)
        self.assertGreaterEqual(status["peak_bytes"], status["traced_bytes"])
        self.assertGreater(status["overhead_bytes"], 0)
        # Fewer frames than in force: nothing changes (the traces are kept).
        self.assertEqual(_command("trace_start", {"frames": 5})["result"],
                         {"tracing": True, "frames": 10, "was_tracing": True})
        self.assertIsNotNone(tracemalloc.get_object_traceback(kept[0]))
        # More frames: a restart with them (the traces so far are dropped).
        self.assertEqual(_command("trace_start", {"frames": 25})["result"],
                         {"tracing": True, "frames": 25, "was_tracing": True})
        self.assertEqual(tracemalloc.get_traceback_limit(), 25)
        self.assertIsNone(tracemalloc.get_object_traceback(kept[0]))

        self.assertEqual(_command("trace_stop")["result"], {"tracing": False, "was_tracing": True})
        self.assertFalse(tracemalloc.is_tracing())
        self.assertEqual(_command("trace_stop")["result"], {"tracing": False, "was_tracing": False})
        for bad in (0, 101, "10", True, 2.5):
            self.assertEqual(_command("trace_start", {"frames": bad}),
                             {"type": "reply", "id": 3, "ok": False, "error": "frames must be an integer from 1 to 100"})
        self.assertFalse(tracemalloc.is_tracing())

    def test_snapshot_not_tracing_is_an_empty_baseline(self) -> None:
        result, lines = _snapshot({"id": "A"})
        self.assertEqual(lines, [])
        self.assertEqual(set(result), REPLY_KEYS)
        self.assertEqual(result["id"], "A")
        self.assertTrue(result["started_tracing"])
        self.assertEqual((result["frames"], result["rows_total"], result["rows_sent"], result["chunks"]), (10, 0, 0, 0))
        self.assertFalse(result["truncated"])
        self.assertTrue(tracemalloc.is_tracing())
        self.assertEqual(tracemalloc.get_traceback_limit(), 10)

    def test_snapshot_rows(self) -> None:
        tracemalloc.start(5)
        kept = _allocate(300)  # CALL
        mine = census.type_name(TracingTest)  # made by the probe (innermost frame in djleak_probe/): left out
        probe_trace = tracemalloc.get_object_traceback(mine)
        self.assertTrue(probe_trace is not None and probe_trace[-1].filename.startswith(PROBE_DIR))
        result, lines = _snapshot({"id": "snap-1", "chunk": 50})
        self.assertEqual(set(result), REPLY_KEYS)
        self.assertFalse(result["started_tracing"])
        self.assertEqual(result["frames"], 5)
        self.assertGreater(result["traced_bytes"], 300_000)
        self.assertGreaterEqual(result["peak_bytes"], result["traced_bytes"])
        self.assertEqual(result["chunks"], len(lines))
        self.assertFalse(result["truncated"])
        self.assertEqual(result["rows_sent"], result["rows_total"])

        chunks = [json.loads(line) for line in lines]
        self.assertTrue(all(line.endswith(b"\n") and len(line) < MAX_LINE for line in lines))
        self.assertEqual([c["seq"] for c in chunks], list(range(len(chunks))))
        self.assertTrue(all(c["type"] == "snapshot_chunk" and c["id"] == "snap-1" and c["pid"] == os.getpid()
                            for c in chunks))
        self.assertTrue(all(1 <= len(c["rows"]) <= 50 for c in chunks))
        rows = [row for c in chunks for row in c["rows"]]
        self.assertEqual(len(rows), result["rows_sent"])
        self.assertTrue(all(set(row) == {"size", "count", "frames"} for row in rows))
        sizes = [row["size"] for row in rows]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        self.assertEqual(len({json.dumps(row["frames"]) for row in rows}), len(rows))  # one row per traceback
        # Innermost frame first: the allocating line, then its caller.
        site = [FILE, _line_of(FILE, "# ALLOC")]
        caller = [FILE, _line_of(FILE, "# CALL")]
        mine_rows = [row for row in rows if row["frames"][:2] == [site, caller]]
        self.assertEqual(len(mine_rows), 1, [row["frames"][:2] for row in rows[:10]])
        self.assertGreaterEqual(mine_rows[0]["size"], 300 * 1000)
        self.assertGreaterEqual(mine_rows[0]["count"], 300)
        self.assertTrue(all(1 <= len(row["frames"]) <= 5 for row in rows))
        self.assertEqual([row for row in rows if _excluded(row["frames"][0][0])], [])
        del kept, mine

    def test_attribute_names_in_the_method_cache_are_not_in_a_snapshot(self) -> None:
        # getattr(obj, "as_" + vendor) in Django's SQL compiler: each lookup builds a fresh name, and the method
        # cache keeps the last one per slot, so a snapshot used to show that line holding ~60 B a slot.
        rows = [type(f"Node{k}", (), {})() for k in range(8)]
        vendor = "vendor_name_x"
        tracemalloc.start(1)
        for _ in range(600):
            for row in rows:
                getattr(row, "as_" + vendor, None)  # FRESH NAME
        result, lines = _snapshot({"id": "mc"})
        site = [FILE, _line_of(FILE, "# FRESH NAME")]
        kept = [row for line in lines for row in json.loads(line)["rows"] if row["frames"][0] == site]
        self.assertEqual(kept, [])
        self.assertGreater(result["rows_total"], 0)

    def test_snapshot_limit_truncates(self) -> None:
        tracemalloc.start(1)
        kept = [bytearray(5001)]  # eight allocation sites: eight rows at least
        kept.append(bytearray(5002))
        kept.append(bytearray(5003))
        kept.append(bytearray(5004))
        kept.append(bytearray(5005))
        kept.append(bytearray(5006))
        kept.append(bytearray(5007))
        kept.append(bytearray(5008))
        full, _ = _snapshot({"id": "full"})
        self.assertGreaterEqual(full["rows_total"], 8)
        result, lines = _snapshot({"id": "cut", "limit": 5, "chunk": 2})
        self.assertTrue(result["truncated"])
        self.assertEqual(result["rows_sent"], 5)
        self.assertGreater(result["rows_total"], 5)
        self.assertEqual(result["chunks"], 3)
        self.assertEqual([len(json.loads(line)["rows"]) for line in lines], [2, 2, 1])
        sizes = [row["size"] for line in lines for row in json.loads(line)["rows"]]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        self.assertGreaterEqual(sizes[-1], 5000)  # the 5 largest: ours
        del kept

    def test_long_rows_split_lines(self) -> None:
        old = tracing.CHUNK_MAX_BYTES
        tracing.CHUNK_MAX_BYTES = 2000
        self.addCleanup(setattr, tracing, "CHUNK_MAX_BYTES", old)
        rows = [tuple((f"/app/module_{k}_{j}.py", j + 1) for j in range(4)) for k in range(40)]
        sizes = {tb: 1000 - k for k, tb in enumerate(rows)}
        counts = {tb: 3 for tb in rows[::2]}
        out = list(tracing._chunk_lines('q"é', rows, tracing._RowEncoder(sizes, counts), 30))
        self.assertGreater(len(out), 2)
        self.assertTrue(all(len(line) <= 2000 for line, _ in out))
        decoded = [json.loads(line) for line, _ in out]
        self.assertEqual([d["seq"] for d in decoded], list(range(len(out))))
        self.assertEqual([len(d["rows"]) for d in decoded], [n for _, n in out])
        got = [row for d in decoded for row in d["rows"]]
        self.assertEqual(got, [{"size": sizes[tb], "count": counts.get(tb, 1), "frames": [list(f) for f in tb]}
                               for tb in rows])
        self.assertEqual(decoded[0]["id"], 'q"é')

    def test_snapshot_bad_args(self) -> None:
        def error(args: Any, emit: Any = lambda line: True) -> str:
            reply = _command("snapshot", args, emit)
            self.assertFalse(reply["ok"])
            return reply["error"]

        id_error = "id must be a string of 1 to 64 characters"
        self.assertEqual(error({}), id_error)
        self.assertEqual(error({"id": ""}), id_error)
        self.assertEqual(error({"id": "x" * 65}), id_error)
        self.assertEqual(error({"id": 7}), id_error)
        self.assertEqual(error({"id": "a", "limit": 0}), "limit must be an integer from 1 to 10000000")
        self.assertEqual(error({"id": "a", "chunk": True}), "chunk must be an integer from 1 to 100000")
        self.assertEqual(error({"id": "a"}, None), "snapshot needs a collector link to send its rows")
        tracemalloc.start(1)
        self.assertEqual(error({"id": "a"}, lambda line: False),
                         "could not send snapshot chunk 0: the link is gone or the engine did not read")
        self.assertFalse(tracemalloc.is_tracing() is False)


# Under the probe: waits on stdin. "alloc" allocates 400 Leaky objects (kept in HELD) at ALLOC; main() keeps two
# Parked objects in a local while it waits.
APP = """\
import sys

HELD = []


class Leaky:
    __slots__ = ("n",)


class Parked:
    pass


def alloc(n):
    for i in range(n):
        HELD.append(Leaky())  # ALLOC


def main():
    parked = [Parked(), Parked()]
    for line in sys.stdin:
        if line.strip() == "alloc":
            alloc(400)
            print("done", flush=True)
        elif line.strip() == "exit":
            break
    del parked


main()
"""


class SnapshotLinkTest(unittest.TestCase):
    def test_chunks_before_the_reply_then_census_and_referrers(self) -> None:
        _collector, proc, conn, app = linked_app(self, APP)

        base = conn.command(1, "snapshot", {"id": "A"})
        self.assertTrue(base["ok"], base)
        self.assertTrue(base["result"]["started_tracing"])
        self.assertEqual(base["result"]["rows_total"], 0)
        self.assertEqual(conn.of_type("snapshot_chunk"), [])

        proc.stdin.write("alloc\n")
        proc.stdin.flush()
        self.assertEqual(proc.stdout.readline().strip(), "done")
        reply = conn.command(2, "snapshot", {"id": "B", "chunk": 3})
        self.assertTrue(reply["ok"], reply)
        result = reply["result"]
        self.assertEqual(result["id"], "B")
        self.assertFalse(result["started_tracing"])
        self.assertGreater(result["chunks"], 1)
        with conn.lock:
            messages = list(conn.messages)
        reply_at = messages.index(reply)
        chunk_at = [i for i, m in enumerate(messages) if m.get("type") == "snapshot_chunk"]
        self.assertEqual(len(chunk_at), result["chunks"])
        self.assertLess(max(chunk_at), reply_at)  # every chunk arrived before the reply
        chunks = [messages[i] for i in chunk_at]
        self.assertEqual([c["seq"] for c in chunks], list(range(len(chunks))))
        self.assertTrue(all(c["id"] == "B" and c["pid"] == proc.pid for c in chunks))
        rows = [row for c in chunks for row in c["rows"]]
        self.assertEqual(len(rows), result["rows_sent"])
        site = [app, _line_of(app, "# ALLOC")]
        leaky = [row for row in rows if row["frames"][0] == site]
        self.assertEqual(len(leaky), 1)
        self.assertGreaterEqual(leaky[0]["count"], 400)  # the objects (and the list's growth)
        self.assertEqual(leaky[0]["frames"][1][0], app)  # then alloc()'s caller, main()
        self.assertEqual([row for row in rows if _excluded(row["frames"][0][0])], [])

        counted = conn.command(3, "census", {"top": 10_000})
        self.assertTrue(counted["ok"], counted)
        by_type = {t["type"]: t for t in counted["result"]["types"]}
        self.assertEqual(by_type["__main__.Leaky"]["count"], 400)
        held = conn.command(4, "referrers", {"type": "__main__.Leaky", "samples": 2})["result"]
        self.assertEqual(held["instances"], 400)
        self.assertEqual([c["root"] for c in held["chains"]], [{"kind": "module global", "name": "__main__.HELD"}] * 2)
        parked = conn.command(5, "referrers", {"type": "__main__.Parked"})["result"]
        self.assertEqual([c["root"] for c in parked["chains"]],
                         [{"kind": "frame local", "name": "__main__.main:parked", "thread": "MainThread"}] * 2)
        sited = conn.command(6, "referrers", {"type": "__main__.Leaky", "site": site, "samples": 1})["result"]
        self.assertEqual(sited["chains"][0]["root"]["name"], "__main__.HELD")

        status = conn.command(7, "trace_status")["result"]
        self.assertEqual((status["tracing"], status["frames"]), (True, 10))
        self.assertEqual(conn.command(8, "trace_stop")["result"], {"tracing": False, "was_tracing": True})
        proc.stdin.write("exit\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        self.assertNotIn("[djleak]", proc.stderr.read())
        wait_until(lambda: conn.eof)


if __name__ == "__main__":
    unittest.main()
