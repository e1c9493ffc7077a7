"""``gauges`` and ``action`` in a small Django project: what each checklist detector reads, and what each fix
changes, measured in a real process (a subprocess: Django is set up once per process)."""

from __future__ import annotations

import importlib.util
import json
import os
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
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "proj.urls"
INSTALLED_APPS = ["django.contrib.sessions", "proj.apps.ProjConfig"]
MIDDLEWARE = ["djleak_probe.middleware.ProbeMiddleware", "proj.middleware.AuditMiddleware", "proj.middleware.timing"]
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
    keep = ["k" * 1000 for _ in range(50)]  # what the thread holds: ~50 KB on its stack
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    ready.set()
    stop.wait(30)
    return keep

class Audit:
    entries = []  # a class attribute that grows

class Prices:
    @staticmethod
    @functools.lru_cache(maxsize=None)
    def rate(n):
        return "r" * 500

class Bus:  # a callback registry that is not a Django signal, on a module-level instance
    def __init__(self):
        self.handlers = []
        self.names = {}

bus = Bus()
PANELS = {}  # keyed by session keys
DIGESTS = {}  # keyed by md5 hex digests: not session keys

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

# The shapes the checklist explains by bytes: a class attribute, a callback registry on a module-level instance,
# a blinker-style signal of a library, the loaded middleware (reached through the probe's middleware for the
# test client's handler, and through proj.wsgi.application), an app config, an lru_cache on a class, dicts keyed
# by session keys or by digests.
import hashlib, vendorlib
from wsgiref.util import setup_testing_defaults
from django.apps import apps
from django.test import Client
from proj.wsgi import application
app.order_placed = vendorlib.Signal()
client = Client()
for i in range(12):
    app.Audit.entries.append(f"audit line {i}" * 10)
    app.Prices.rate(i)
    listener = app.Listener()
    keep.append(listener)
    app.bus.handlers.append(listener.on_change)
    app.order_placed.connect(listener.on_change)
    app.PANELS[SessionStore()._get_new_session_key()] = "p" * 300
    app.DIGESTS[hashlib.md5(str(i).encode()).hexdigest()] = "d" * 300
    apps.get_app_config("proj").registry[i] = "g" * 300
    assert client.get("/").status_code == 200
for i in range(3):
    environ = {"PATH_INFO": "/", "SERVER_NAME": "testserver"}
    setup_testing_defaults(environ)
    b"".join(application(environ, lambda status, headers: None))
settings_module = sys.modules["django.conf"].settings
settings_module.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
from django.contrib.sessions.backends.cache import SessionStore as CacheStore
for i in range(4):
    s = CacheStore()
    s["n"] = "z" * 2000
    s.create()
out["cache_sessions"] = run("gauges", project=project)["result"]["sessions"]
for key in list(cache._cache):
    if "sessions.cache" in key:
        cache.delete(key.split(":", 2)[2])
settings_module.SESSION_ENGINE = "django.contrib.sessions.backends.db"
out["full"] = run("gauges", project=project)["result"]
out["bad"] = run("gauges", project="relative/dir")
out["actions"] = {
    "cache_clear": run("action", name="cache_clear", alias="default"),
    "cache_missing": run("action", name="cache_clear", alias="nope"),
    "lru_missing": run("action", name="lru_clear", target="proj.app.nothing", project=project),
    "lru": run("action", name="lru_clear", target="proj.app.square", project=project),
    "container": run("action", name="container_clear", target="proj.app.CACHE", project=project),
    "container_bad": run("action", name="container_clear", target="django.conf.settings", project=project),
    "class_attr": run("action", name="container_clear", target="proj.app.Audit.entries", project=project),
    "middleware": run(
        "action", name="container_clear", target="proj.middleware.AuditMiddleware.recent", project=project
    ),
    "closure": run(
        "action", name="container_clear", target="proj.middleware.timing.<locals>.middleware.history",
        project=project,
    ),
    "app_config": run("action", name="container_clear", target="proj.apps.ProjConfig.registry", project=project),
    "singleton": run("action", name="container_clear", target="proj.app.bus.handlers", project=project),
    "lru_method": run("action", name="lru_clear", target="proj.app.Prices.rate", project=project),
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


MIDDLEWARE_PY = """\
class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.recent = []

    def __call__(self, request):
        self.recent.append(request.path * 20)
        return self.get_response(request)


def timing(get_response):
    history = []

    def middleware(request):
        history.append(request.path)
        return get_response(request)

    return middleware
"""

APPS_PY = """\
from django.apps import AppConfig

class ProjConfig(AppConfig):
    name = "proj"

    def ready(self):
        self.registry = {}
"""

URLS_PY = """\
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("ok"))]
"""

WSGI_PY = """\
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
"""

# Outside the project: a blinker-style signal class (a ``receivers`` dict) from a library.
VENDOR_PY = """\
class Signal:
    def __init__(self):
        self.receivers = {}

    def connect(self, receiver):
        self.receivers[id(receiver)] = receiver
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
        write(folder, "proj/middleware.py", MIDDLEWARE_PY)
        write(folder, "proj/apps.py", APPS_PY)
        write(folder, "proj/urls.py", URLS_PY)
        write(folder, "proj/wsgi.py", WSGI_PY)
        vendor = tempfile.mkdtemp(prefix="djleak-vendor-")  # outside the project
        cls.addClassCleanup(shutil.rmtree, vendor, True)
        write(vendor, "vendorlib.py", VENDOR_PY)
        main = write(folder, "main.py", MAIN)
        env = probe_env()
        env["PYTHONPATH"] += os.pathsep + vendor
        done = subprocess.run([sys.executable, main], env=env, capture_output=True, text=True, timeout=60)
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
        self.assertEqual(empty["bytes"], 0)
        self.assertGreater(full["bytes"], 30 * 1000)
        self.assertGreater(full["entry_bytes"], 1000)  # the pickled 1000-character value, its key and expiry
        self.assertLess(full["entry_bytes"], 1500)

    def test_db_connections_held_outside_requests(self) -> None:
        db = self.out["full"]["db"]
        self.assertGreaterEqual(db["open"], 1)
        self.assertEqual(db["open_by_thread_name"].get("watcher-N"), 1)
        self.assertGreaterEqual(db["oldest_open_s"], 0)
        self.assertFalse(db["debug"])
        # The watcher thread's stack keeps a list of fifty 1000-character strings.
        self.assertGreater(db["background_bytes"], 50 * 1000)
        self.assertLess(db["background_bytes"], 500 * 1000)

    def test_sessions(self) -> None:
        self.assertEqual(self.out["empty"]["sessions"]["stored"], 0)
        full = self.out["full"]["sessions"]
        self.assertEqual(full["engine"], "django.contrib.sessions.backends.db")
        self.assertEqual((full["stored"], full["expired"]), (6, 1))
        self.assertGreater(full["bytes"], 0)
        self.assertEqual((full["table"], full["in_memory"]), ("django_session", None))  # rows, not memory
        cached = self.out["cache_sessions"]
        self.assertEqual(cached["engine"], "django.contrib.sessions.backends.cache")
        self.assertEqual((cached["in_memory"]["alias"], cached["in_memory"]["stored"], cached["stored"]), ("default", 4, 4))
        self.assertGreater(cached["in_memory"]["bytes"], 4 * 2000)

    def test_project_containers_and_lru(self) -> None:
        containers = {c["name"]: c for c in self.out["full"]["containers"]}
        cache = containers["proj.app.CACHE"]
        self.assertEqual((cache["len"], cache["holder"]), (200, "module global"))
        self.assertGreater(cache["bytes"], 200 * 500)
        # One more entry: its key (an int), its 549-byte string and its share of the dict's table.
        self.assertGreater(cache["entry_bytes"], 549 + 28)
        self.assertLess(cache["entry_bytes"], 800)
        self.assertNotIn("callbacks", cache)
        self.assertNotIn("proj.app.EMPTY", containers)  # empty containers are left out
        self.assertFalse(any(name.startswith("django.") for name in containers))  # the project's only
        lrus = {r["name"]: r for r in self.out["full"]["lru_caches"]}
        self.assertEqual(set(lrus), {"proj.app.square", "proj.app.Prices.rate"})
        square = lrus["proj.app.square"]
        self.assertEqual(
            {k: square[k] for k in ("maxsize", "currsize", "hits", "misses")},
            {"maxsize": None, "currsize": 200, "hits": 0, "misses": 200},
        )
        self.assertGreater(square["bytes"], 200 * 2 * 28)  # keys and results: ints
        rate = lrus["proj.app.Prices.rate"]  # a static method of a project class
        self.assertEqual(rate["currsize"], 12)
        self.assertGreater(rate["entry_bytes"], 500)  # the 549-byte result

    def test_long_lived_containers_by_holder(self) -> None:
        containers = {c["name"]: c for c in self.out["full"]["containers"]}
        expected = {
            "proj.app.Audit.entries": ("class attribute", 12),
            "proj.apps.ProjConfig.registry": ("instance attribute", 12),
            "proj.app.bus.handlers": ("instance attribute", 12),
            # 12 requests through the test client's handler (found from the probe's middleware) and 3 through
            # proj.wsgi.application (found among the project's module globals): two instances, one name.
            "proj.middleware.AuditMiddleware.recent": ("instance attribute", 15),
            "proj.middleware.timing.<locals>.middleware.history": ("instance attribute", 15),
        }
        self.assertEqual({name: (containers[name]["holder"], containers[name]["len"]) for name in expected}, expected)
        self.assertGreater(containers["proj.app.Audit.entries"]["entry_bytes"], len("audit line 0" * 10))
        self.assertGreater(containers["proj.middleware.AuditMiddleware.recent"]["entry_bytes"], 20)
        self.assertNotIn("proj.app.bus.names", containers)  # empty
        self.assertNotIn("proj.app.Audit.__dict__", containers)  # dunder attributes are the class's own

    def test_callback_registries(self) -> None:
        containers = {c["name"]: c for c in self.out["full"]["containers"]}
        for name in ("proj.app.bus.handlers", "proj.app.order_placed.receivers"):  # the latter: a library's class
            row = containers[name]
            self.assertEqual(row["callbacks"], 12, name)
            self.assertGreater(row["entry_bytes"], 1000, name)  # each bound method keeps its listener's payload
        signals = {s["name"]: s for s in self.out["full"]["signals"]}
        changed = signals["proj.app.changed"]
        self.assertEqual((changed["receivers"], changed["strong"]), (7, 7))
        self.assertGreater(changed["strong_bytes"], 7 * 1000)
        self.assertLess(changed["strong_bytes"], 7 * 2000)
        self.assertEqual(signals["django.core.signals.request_finished"]["strong_bytes"], 0)

    def test_session_keyed_containers(self) -> None:
        containers = {c["name"]: c for c in self.out["full"]["containers"]}
        self.assertIs(containers["proj.app.PANELS"].get("session_keys"), True)
        self.assertNotIn("session_keys", containers["proj.app.DIGESTS"])  # 32 hex digits: md5, not sessions
        self.assertNotIn("session_keys", containers["proj.app.CACHE"])

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
        after = self.out["after"]
        container = actions["container"]["effect"]
        self.assertEqual((container["entries_before"], container["entries_after"]), (200, 0))
        self.assertGreater(container["bytes_before"] - container["bytes_after"], 200 * 500)
        self.assertEqual(self.out["actions"]["lru_missing"]["error"], "proj.app.nothing is not an lru_cache function of the project")
        self.assertIn("is not a dict, list, set or deque the project keeps", self.out["actions"]["container_bad"]["error"])
        for kind, entries in (("class_attr", 12), ("middleware", 15), ("closure", 15), ("app_config", 12),
                              ("singleton", 12), ("lru_method", 12)):
            effect = actions[kind]["effect"]
            self.assertEqual((effect["entries_before"], effect["entries_after"]), (entries, 0), kind)
        cleared = {c["name"] for c in after["containers"]}
        for name in ("proj.app.Audit.entries", "proj.middleware.AuditMiddleware.recent", "proj.app.bus.handlers",
                     "proj.middleware.timing.<locals>.middleware.history", "proj.apps.ProjConfig.registry"):
            self.assertNotIn(name, cleared)  # empty now: left out
        self.assertEqual({r["name"]: r["currsize"] for r in after["lru_caches"]}["proj.app.Prices.rate"], 0)
        after = self.out["after"]
        self.assertEqual(after["caches"][0]["entries"], 0)
        self.assertEqual(after["db"]["open_by_thread_name"].get("watcher-N"), 1)  # only its thread can close it


BUSY = """\
import itertools, json, os, sys, threading
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from busy import state
from djleak_probe import gauges

stop = threading.Event()
sys.setswitchinterval(1e-5)  # switch threads often, so a walk over a changing container would meet the change

def app():  # an app thread changing the containers while the gauges read them
    for i in itertools.count():
        if stop.is_set():
            return
        state.SEEN[i] = "x" * 40
        state.LOG.append(i)
        state.HANDLERS.append(state.Listener().on)
        if len(state.SEEN) > 5000:
            state.SEEN.clear()
            del state.LOG[:4000]
            del state.HANDLERS[:4000]

thread = threading.Thread(target=app, daemon=True)
thread.start()
project = os.path.dirname(os.path.abspath(__file__))
errors, names = [], set()
for _ in range(40):
    result = gauges.gauges({"project": project})
    errors += [f"{k}: {v['error']}" for k, v in result.items() if isinstance(v, dict) and "error" in v]
    names.update(r["name"] for r in result["containers"] if isinstance(r, dict))
stop.set()
thread.join(5)
print(json.dumps({"errors": errors, "names": sorted(names)}))
"""

BUSY_STATE = """\
SEEN = {}
LOG = []
HANDLERS = []

class Listener:
    def on(self):
        pass
"""


class GaugesBesideABusyAppTest(unittest.TestCase):
    def test_containers_changing_while_read_fail_no_part(self) -> None:
        folder = tempfile.mkdtemp(prefix="djleak-test-")
        self.addCleanup(shutil.rmtree, folder, True)
        write(folder, "busy/__init__.py", "")
        write(folder, "busy/state.py", BUSY_STATE)
        main = write(folder, "main.py", BUSY)
        done = subprocess.run([sys.executable, main], env=probe_env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        self.assertEqual(out["errors"], [])
        self.assertTrue({"busy.state.SEEN", "busy.state.LOG", "busy.state.HANDLERS"} <= set(out["names"]))
