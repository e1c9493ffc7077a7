"""``gauges`` and ``action`` in a small Django project: what each checklist detector reads, and what each fix
changes, measured in a real process (a subprocess: Django is set up once per process)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import unittest

from .helpers import probe_env, write

HAS_DJANGO = importlib.util.find_spec("django") is not None

SETTINGS = """\
import os
BASE = os.path.dirname(os.path.abspath(__file__))
DEBUG = False
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.sessions"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE, "db.sqlite3")}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t",
                      "OPTIONS": {"MAX_ENTRIES": 50}}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
USE_TZ = True
"""

APP = """\
import functools, gc, threading
from django.dispatch import Signal

CACHE = {}
EMPTY = []
changed = Signal()

@functools.lru_cache(maxsize=None)
def square(n):
    return n * n

class Listener:
    def __init__(self):
        self.payload = "p" * 1000
    def on_change(self, **kwargs):
        pass

def background(ready, stop):
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    ready.set()
    stop.wait(30)

class Node:
    def __init__(self, parent=None):
        self.parent, self.children, self.blob = parent, [], bytearray(2000)
        if parent is not None:
            parent.children.append(self)
"""

MAIN = """\
import gc, json, os, sys, threading, time
os.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import django
django.setup()
from django.core.cache import cache
from django.core.management import call_command
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from datetime import timedelta
call_command("migrate", verbosity=0)
from proj import app
from djleak_probe import commands

def run(command, **args):
    reply = commands.handle({"type": "command", "id": 1, "name": command, "args": args})
    json.dumps(reply)
    return reply

project = os.path.dirname(os.path.abspath(__file__))
out = {"empty": run("gauges", project=project)["result"]}

for i in range(30):
    cache.set(f"k{i}", "v" * 1000)
for i in range(200):
    app.CACHE[i] = "x" * 500
    app.square(i)
keep = []
for _ in range(7):
    listener = app.Listener()
    keep.append(listener)
    app.changed.connect(listener.on_change, weak=False)
app.changed.connect(app.Listener().on_change)  # weak: gone with the listener
for i in range(5):
    s = SessionStore()
    s["n"] = "y" * 100
    s.create()
old = SessionStore()
old.create()
old.model.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(days=1))
ready, stop = threading.Event(), threading.Event()
worker = threading.Thread(target=app.background, args=(ready, stop), name="watcher-1", daemon=True)
worker.start()
ready.wait(10)
gc.disable()
for _ in range(20):
    root = app.Node()
    for _ in range(10):
        app.Node(root)
del root
out["full"] = run("gauges", project=project)["result"]
out["bad"] = run("gauges", project="relative/dir")
out["actions"] = {
    "cache_clear": run("action", name="cache_clear", alias="default"),
    "cache_missing": run("action", name="cache_clear", alias="nope"),
    "lru_missing": run("action", name="lru_clear", target="proj.app.nothing", project=project),
    "lru": run("action", name="lru_clear", target="proj.app.square", project=project),
    "container": run("action", name="container_clear", target="proj.app.CACHE", project=project),
    "container_bad": run("action", name="container_clear", target="django.conf.settings", project=project),
    "gc": run("action", name="gc_collect"),
    "close": run("action", name="close_connections"),
    "expired": run("action", name="clear_expired_sessions"),
    "reset": run("action", name="reset_queries"),
    "unknown": run("action", name="eval"),
}
out["after"] = run("gauges", project=project)["result"]
stop.set()
worker.join(5)
print(json.dumps(out))
"""


@unittest.skipUnless(HAS_DJANGO, "needs Django (the demo virtualenv)")
class GaugesAndActionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        folder = tempfile.mkdtemp(prefix="djleak-test-")
        cls.addClassCleanup(shutil.rmtree, folder, True)
        write(folder, "proj/__init__.py", "")
        write(folder, "proj/settings.py", SETTINGS)
        write(folder, "proj/app.py", APP)
        main = write(folder, "main.py", MAIN)
        done = subprocess.run([sys.executable, main], env=probe_env(), capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise AssertionError(done.stderr)
        cls.out = json.loads(done.stdout.strip().splitlines()[-1])

    def test_gc(self) -> None:
        full = self.out["full"]["gc"]
        self.assertFalse(full["enabled"])
        self.assertEqual(len(full["stats"]), 3)
        self.assertEqual(full["garbage"], 0)

    def test_caches(self) -> None:
        (empty,) = self.out["empty"]["caches"]
        (full,) = self.out["full"]["caches"]
        self.assertEqual(empty["backend"], "django.core.cache.backends.locmem.LocMemCache")
        self.assertEqual((empty["entries"], full["entries"], full["max_entries"]), (0, 30, 50))
        self.assertGreater(full["bytes"], 30 * 1000)

    def test_db_connections_held_outside_requests(self) -> None:
        db = self.out["full"]["db"]
        self.assertGreaterEqual(db["open"], 1)
        self.assertEqual(db["open_by_thread_name"].get("watcher-N"), 1)
        self.assertGreaterEqual(db["oldest_open_s"], 0)
        self.assertFalse(db["debug"])

    def test_sessions(self) -> None:
        self.assertEqual(self.out["empty"]["sessions"]["stored"], 0)
        full = self.out["full"]["sessions"]
        self.assertEqual(full["engine"], "django.contrib.sessions.backends.db")
        self.assertEqual((full["stored"], full["expired"]), (6, 1))
        self.assertGreater(full["bytes"], 0)

    def test_project_containers_and_lru(self) -> None:
        containers = {c["name"]: c for c in self.out["full"]["containers"]}
        self.assertEqual(containers["proj.app.CACHE"]["len"], 200)
        self.assertGreater(containers["proj.app.CACHE"]["bytes"], 200 * 500)
        self.assertNotIn("proj.app.EMPTY", containers)  # empty containers are left out
        self.assertFalse(any(name.startswith("django.") for name in containers))  # the project's only
        (lru,) = self.out["full"]["lru_caches"]
        self.assertEqual(lru, {"name": "proj.app.square", "maxsize": None, "currsize": 200, "hits": 0, "misses": 200})

    def test_signals_strong_receivers(self) -> None:
        signals = {s["name"]: s for s in self.out["full"]["signals"]}
        self.assertEqual(signals["proj.app.changed"], {"name": "proj.app.changed", "receivers": 7, "strong": 7})

    def test_threads(self) -> None:
        self.assertEqual(self.out["full"]["threads"]["by_name"].get("watcher-N"), 1)

    def test_bad_args(self) -> None:
        self.assertEqual(self.out["bad"]["error"], "project must be an absolute folder path")
        self.assertIn("name must be one of gc_collect", self.out["actions"]["unknown"]["error"])
        self.assertEqual(self.out["actions"]["cache_missing"]["error"], "no cache alias 'nope' (configured: default)")

    def test_actions_change_what_they_should(self) -> None:
        actions = {k: v.get("result") for k, v in self.out["actions"].items()}
        cache = actions["cache_clear"]
        self.assertEqual((cache["effect"]["entries_before"], cache["effect"]["entries_after"]), (30, 0))
        self.assertEqual(cache["effect"]["bytes_after"], 0)
        for key in ("rss", "blocks", "gc_objects"):
            self.assertIn(key, cache["before"])
            self.assertIn(key, cache["after"])
        gc_action = actions["gc"]
        self.assertGreaterEqual(gc_action["effect"]["collected"], 20 * 11)  # the dropped trees
        self.assertGreater(gc_action["effect"]["garbage_bytes"], 20 * 11 * 2000)
        self.assertLess(gc_action["after"]["gc_objects"], gc_action["before"]["gc_objects"])
        close = actions["close"]["effect"]
        self.assertEqual(close["held_by_other_threads"], 1)
        self.assertIn("watcher-N", actions["close"]["message"])
        expired = actions["expired"]["effect"]
        self.assertEqual((expired["expired_before"], expired["expired_after"]), (1, 0))
        self.assertEqual((expired["stored_before"], expired["stored_after"]), (6, 5))
        self.assertEqual(actions["reset"]["effect"]["queries_after"], 0)
        self.assertEqual(actions["lru"]["effect"], {"entries_before": 200, "entries_after": 0})
        container = actions["container"]["effect"]
        self.assertEqual((container["entries_before"], container["entries_after"]), (200, 0))
        self.assertGreater(container["bytes_before"] - container["bytes_after"], 200 * 500)
        self.assertEqual(self.out["actions"]["lru_missing"]["error"], "proj.app.nothing is not an lru_cache function of the project")
        self.assertIn("is not a module-level dict", self.out["actions"]["container_bad"]["error"])
        after = self.out["after"]
        self.assertEqual(after["caches"][0]["entries"], 0)
        self.assertEqual(after["db"]["open_by_thread_name"].get("watcher-N"), 1)  # only its thread can close it
