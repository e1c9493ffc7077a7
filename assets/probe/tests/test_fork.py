"""Forks: every forked process re-hellos on its own connection (role worker, ppid), restarts sampling."""

from __future__ import annotations

import os
import unittest

from .helpers import TOKEN, Collector, popen_probe, tempdir, wait_until, write

APP = """\
import os, sys, time
folder = sys.argv[1]
def wait_for(name):
    deadline = time.monotonic() + 15
    while not os.path.exists(os.path.join(folder, name)) and time.monotonic() < deadline:
        time.sleep(0.01)
pid = os.fork()
if pid == 0:
    wait_for("child-go")
    sys.exit(0)        # normal exit: atexit says bye on the child's own stream
wait_for("parent-go")
os._exit(0)            # no atexit, no shutdown: EOF only if the child closed its copy of the socket
"""


@unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
class ForkTest(unittest.TestCase):
    def test_child_gets_its_own_stream(self) -> None:
        folder = tempdir(self)
        app = write(folder, "app.py", APP)
        collector = Collector()
        self.addCleanup(collector.close)
        proc = popen_probe(["run", "--", app, folder], collector.env())
        self.addCleanup(lambda: (proc.stdout.close(), proc.stderr.close(), proc.stdin.close()))
        self.addCleanup(lambda: open(os.path.join(folder, "child-go"), "w").close())
        self.addCleanup(lambda: proc.poll() is None and proc.kill())

        parent = collector.conn_of(proc.pid)
        child = wait_until(lambda: next((c for c in collector.conns if c.hello and c.hello["role"] == "worker"), None))
        assert parent.hello is not None and child.hello is not None
        self.assertEqual(parent.hello["role"], "main")
        self.assertEqual(child.hello["type"], "hello")
        self.assertEqual(child.hello["token"], TOKEN)
        self.assertEqual(child.hello["ppid"], proc.pid)
        child_pid = child.hello["pid"]
        self.assertNotEqual(child_pid, proc.pid)
        self.assertEqual(len(child.of_type("hello")), 1)

        wait_until(lambda: len(child.of_type("samples")) >= 2)  # the sampler runs again in the child
        self.assertEqual(child.command(1, "ping")["pid"], child_pid)
        self.assertEqual(parent.command(2, "ping")["pid"], proc.pid)  # the parent's link survived the fork

        open(os.path.join(folder, "parent-go"), "w").close()
        self.assertEqual(proc.wait(10), 0)
        wait_until(lambda: parent.eof)  # nobody else holds the parent's connection open
        self.assertFalse(child.eof)
        self.assertEqual(child.command(3, "ping")["pid"], child_pid)
        self.assertFalse(parent.of_type("bye"))

        open(os.path.join(folder, "child-go"), "w").close()
        wait_until(lambda: child.eof)
        self.assertEqual(child.messages[-1]["type"], "bye")
        self.assertTrue(all(m["pid"] == child_pid for m in child.messages))
        self.assertTrue(all(m["pid"] == proc.pid for m in parent.messages))


if __name__ == "__main__":
    unittest.main()
