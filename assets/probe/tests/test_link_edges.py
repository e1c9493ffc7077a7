"""The link's edges: an over-long line from the engine, and giving up on a collector that never comes back."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import time
import unittest
from typing import Callable

from djleak_probe import diag
from djleak_probe import link as link_mod
from djleak_probe.config import Config
from djleak_probe.link import MAX_LINE, Link

from .helpers import Collector, popen_probe, tempdir, wait_until, write

# Runs until told to exit on stdin.
APP = """\
import sys
for line in sys.stdin:
    if line.split()[0] == "exit":
        sys.exit(0)
"""


def padded_ping(cid: int, size: int) -> bytes:
    """A ``ping`` command line of about ``size`` bytes (newline included)."""
    head = b'{"type":"command","id":%d,"name":"ping","args":{"pad":"' % cid
    tail = b'"}}\n'
    return head + b"x" * (size - len(head) - len(tail)) + tail


class LongLineFromTheEngineTest(unittest.TestCase):
    def test_a_line_over_1_mib_is_dropped_and_the_next_ones_are_answered(self) -> None:
        folder = tempdir(self)
        app = write(folder, "app.py", APP)
        collector = Collector()
        self.addCleanup(collector.close)
        proc = popen_probe(["run", "--", app], collector.env())
        self.addCleanup(lambda: (proc.stdout.close(), proc.stderr.close(), proc.stdin.closed or proc.stdin.close()))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        conn = collector.conn_of(proc.pid, timeout=20)

        # Half a MiB: under the limit, a command like any other.
        conn.sock.sendall(padded_ping(1, MAX_LINE // 2))
        self.assertTrue(wait_until(lambda: [r for r in conn.of_type("reply") if r["id"] == 1])[0]["ok"])
        # Two MiB: past the limit long before its newline, so the probe lets go of it unread (its memory stays
        # bounded); what comes after its newline is read as usual.
        conn.sock.sendall(padded_ping(2, 2 * MAX_LINE))
        self.assertTrue(conn.command(3, "ping")["ok"])
        # Replies go out in the order of the lines: had the long line been read, its reply would be here already.
        self.assertEqual([r["id"] for r in conn.of_type("reply")], [1, 3])

        # The tail of the dropped line (what came after the probe let go, up to the newline) is no command:
        # reported once, and the link stays up.
        self.assertTrue(conn.command(4, "ping")["ok"])
        proc.stdin.write("exit 0\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        err = proc.stderr.read()
        self.assertEqual(err.count("[djleak] could not handle a line from the collector: JSONDecodeError"), 1, err)
        self.assertNotIn("lost the collector link", err)
        self.assertEqual([r["id"] for r in conn.of_type("reply")], [1, 3, 4])


class ReconnectGiveUpTest(unittest.TestCase):
    def setUp(self) -> None:
        diag.reset()
        self.err = io.StringIO()
        redirect = contextlib.redirect_stderr(self.err)
        redirect.__enter__()
        self.addCleanup(redirect.__exit__, None, None, None)
        for name, value in (("RECONNECT_GIVE_UP", 1.0), ("RECONNECT_DELAYS", (0.05, 0.1))):
            self.addCleanup(setattr, link_mod, name, getattr(link_mod, name))
            setattr(link_mod, name, value)

    def linked(self) -> "tuple[Link, Callable[[], None]]":
        """A link to a collector of our own, once it sent its hello; and what ends that collector for good.
        (Not helpers.Collector: a socket closed while its thread waits in accept() goes on accepting.)"""
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(10)
        self.addCleanup(server.close)
        link = Link(Config(collector=("127.0.0.1", server.getsockname()[1])), {"type": "hello"})
        self.addCleanup(link.close, 0.5)
        link.start()
        conn, _ = server.accept()
        self.addCleanup(conn.close)
        conn.settimeout(10)
        hello = b""
        while not hello.endswith(b"\n"):
            hello += conn.recv(4096)
        self.assertEqual(json.loads(hello)["type"], "hello")

        def gone() -> None:
            server.close()  # nothing listens on the port any more
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()

        return link, gone

    def test_a_collector_gone_for_good_is_given_up_after_the_limit(self) -> None:
        link, gone = self.linked()
        # The engine goes away: its connection ends and nothing listens on its port any more.
        gone()
        dropped = time.monotonic()
        wait_until(lambda: not link.alive, timeout=15)
        waited = time.monotonic() - dropped
        # It kept trying for the whole window (several attempts, 0.05 s then every 0.1 s), not one attempt.
        self.assertGreaterEqual(waited, 1.0)  # a lower bound: a slow machine only waits longer
        self.assertEqual(link.reconnects, 0)
        self.assertFalse(link.send({"type": "log", "level": "info", "message": "after"}))
        lines = self.err.getvalue().splitlines()
        self.assertEqual(lines[0], "[djleak] lost the collector link (the collector closed the connection); reconnecting")
        self.assertRegex(
            lines[1],
            r"^\[djleak\] lost the collector link \(cannot reconnect for 1 s: \[Errno \d+\] Connection refused\); "
            r"the app keeps running$",
        )
        self.assertEqual(len(lines), 2)

    def test_closing_while_it_waits_to_reconnect_ends_the_wait_without_a_loss_reported(self) -> None:
        link_mod.RECONNECT_GIVE_UP = 600.0
        link_mod.RECONNECT_DELAYS = (30.0,)
        link, gone = self.linked()
        gone()
        wait_until(lambda: "reconnecting" in self.err.getvalue())
        link.close(timeout=0.5)
        # The 30 s wait was cut short: the sender ends well before it (20 s is the hang guard, not a speed).
        wait_until(lambda: link._sender is not None and not link._sender.is_alive(), timeout=20)
        self.assertFalse(link.alive)
        self.assertEqual(link.reconnects, 0)
        self.assertNotIn("the app keeps running", self.err.getvalue())


if __name__ == "__main__":
    unittest.main()
