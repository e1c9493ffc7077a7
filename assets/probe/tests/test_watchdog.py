"""The watchdog arms only for a process tree the engine launched, in a process group of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unittest

from djleak_probe import watchdog

from .helpers import probe_env

CHILD = """\
import os, sys, time
from djleak_probe import watchdog
watchdog.POLL_SECONDS = 0.05
print(watchdog.start(sys.argv[1]), flush=True)
time.sleep(30)
"""

# A parent that starts the child in its own process group, says the child's pid, then dies: the engine killed.
PARENT = """\
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], "SELF"], start_new_session=True, stdout=subprocess.PIPE,
                         text=True, env={**__import__("os").environ})
print(child.pid, child.stdout.readline().strip(), flush=True)
"""


class WatchdogTest(unittest.TestCase):
    def test_not_armed_outside_an_engine_launch(self) -> None:
        self.assertFalse(watchdog._armed(None))
        self.assertFalse(watchdog._armed("not a pid"))
        self.assertFalse(watchdog._armed(str(os.getppid() + 1)))

    def test_stops_its_process_group_when_the_engine_dies(self) -> None:
        child = CHILD.replace('sys.argv[1]', 'str(os.getppid())')
        done = subprocess.run([sys.executable, "-c", PARENT, child], env=probe_env(), capture_output=True, text=True,
                              timeout=20)
        pid_text, armed = done.stdout.split()
        self.assertEqual(armed, "True")
        pid = int(pid_text)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, 9)
        self.fail("the child outlived its engine")
