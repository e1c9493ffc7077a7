"""Django: setup wrapping (import hook and already-imported), middleware install, sync/async requests."""

from __future__ import annotations

import importlib.util
import json
import os
import unittest

from .helpers import Collector, probe_env, read_lines, run_probe, tempdir, wait_until, write

HAS_DJANGO = importlib.util.find_spec("django") is not None
HAS_GUNICORN = importlib.util.find_spec("gunicorn") is not None

APP = """\
import asyncio, json, sys
from django.conf import settings
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="x", INSTALLED_APPS=[],
    MIDDLEWARE=("django.middleware.common.CommonMiddleware",), LOGGING_CONFIG=None,
)
from django.http import HttpResponse
from django.urls import path

def ok(request, n):
    return HttpResponse("ok")

def boom(request):
    raise ValueError("boom")

async def aok(request):
    return HttpResponse("async")

urlpatterns = [path("ok/<int:n>/", ok), path("boom/", boom), path("aok/", aok)]

import django
from django.utils import autoreload  # imported before setup, as manage.py runserver does
wrapped = hasattr(django.setup, "__djleak_original__")
django.setup()
django.setup()  # twice: the middleware is still inserted once

from django.test import AsyncClient, Client, RequestFactory
client = Client(raise_request_exception=False)
statuses = [client.get("/ok/3/", headers={"X-Djleak-Internal": "1"}).status_code,  # the engine's own: not recorded
            client.get("/ok/3/?q=1").status_code, client.get("/nothere/").status_code, client.get("/boom/").status_code]
try:
    Client().get("/boom/")
    propagated = False
except ValueError:
    propagated = True
statuses.append(asyncio.run(AsyncClient().get("/aok/")).status_code)

# The middleware itself: exceptions go through unchanged (same object), sync and async.
from djleak_probe.middleware import ProbeMiddleware
from asgiref.sync import iscoroutinefunction
error = KeyError("direct")
def raiser(request):
    raise error
async def araiser(request):
    raise error
request = RequestFactory().post("/direct/?x=1")
sync_same = async_same = False
try:
    ProbeMiddleware(raiser)(request)
except KeyError as exc:
    sync_same = exc is error
amw = ProbeMiddleware(araiser)
try:
    asyncio.run(amw(request))
except KeyError as exc:
    async_same = exc is error
print(json.dumps({
    "wrapped_before_setup": wrapped, "middleware": list(settings.MIDDLEWARE), "statuses": statuses,
    "propagated": propagated, "sync_same": sync_same, "async_same": async_same,
    "async_detected": iscoroutinefunction(amw), "sync_detected": iscoroutinefunction(ProbeMiddleware(raiser)),
    "child_args": autoreload.get_child_arguments(), "executable": sys.executable,
}))
"""

# Django imported and set up before the probe starts: install() must wrap/install right away.
LATE = """\
import json, os, sys
from django.conf import settings
settings.configure(ROOT_URLCONF=__name__, SECRET_KEY="x", MIDDLEWARE=["django.middleware.common.CommonMiddleware"])
import django
django.setup()
urlpatterns = []
from djleak_probe import config, django_hooks, runtime
runtime.start(config.from_env(), role="main", command=["late"])
django_hooks.install()
print(json.dumps({"wrapped": hasattr(django.setup, "__djleak_original__"), "middleware": list(settings.MIDDLEWARE)}))
"""

PROJECT = {
    "proj/__init__.py": "",
    "proj/settings.py": """\
        SECRET_KEY = "x"
        DEBUG = False
        ALLOWED_HOSTS = ["*"]
        ROOT_URLCONF = "proj.urls"
        INSTALLED_APPS = []
        MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
        LOGGING_CONFIG = None
        """,
    "proj/urls.py": """\
        from django.http import HttpResponse
        from django.urls import path
        def hit(request):
            return HttpResponse("hit")
        urlpatterns = [path("hit/", hit)]
        """,
    "proj/wsgi.py": """\
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
        from django.core.wsgi import get_wsgi_application
        application = get_wsgi_application()
        """,
}

MW = "djleak_probe.middleware.ProbeMiddleware"


@unittest.skipUnless(HAS_DJANGO, "django is not importable")
class DjangoTest(unittest.TestCase):
    def test_setup_wrapping_and_requests(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", APP)
        env = probe_env({"DJLEAK_RECORD": path, "DJANGO_SETTINGS_MODULE": "fake.settings"})
        proc = run_probe(["run", "--", app], env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("[djleak]", proc.stderr)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertTrue(out["wrapped_before_setup"])
        self.assertEqual(out["middleware"], [MW, "django.middleware.common.CommonMiddleware"])
        self.assertEqual(out["statuses"], [200, 200, 404, 500, 200])
        self.assertTrue(out["propagated"])
        self.assertTrue(out["sync_same"])
        self.assertTrue(out["async_same"])
        self.assertTrue(out["async_detected"])
        self.assertFalse(out["sync_detected"])
        # runserver's autoreloader restarts the server under the probe too
        self.assertEqual(out["child_args"], [out["executable"], "-m", "djleak_probe", "run", "--", app])

        msgs = read_lines(path)
        import django

        self.assertEqual(
            [m for m in msgs if m["type"] == "django"],
            [{"type": "django", "version": django.get_version(), "settings": "fake.settings", "middleware": True,
              "pid": msgs[0]["pid"]}],
        )
        items = [i for m in msgs if m["type"] == "requests" for i in m["items"]]
        got = [(i["method"], i["route"], i["view"], i["path"], i["status"]) for i in items]
        self.assertEqual(
            got,
            [
                ("GET", "ok/<int:n>/", "__main__.ok", "/ok/3/", 200),
                ("GET", None, None, "/nothere/", 404),
                ("GET", "boom/", "__main__.boom", "/boom/", 500),
                ("GET", "boom/", "__main__.boom", "/boom/", 500),
                ("GET", "aok/", "__main__.aok", "/aok/", 200),
                ("POST", None, None, "/direct/", 500),
                ("POST", None, None, "/direct/", 500),
            ],
        )
        for i in items:
            self.assertIsInstance(i["t"], float)
            self.assertGreaterEqual(i["duration_ms"], 0)
            self.assertIsInstance(i["rss_before"], int)
            self.assertIsInstance(i["rss_after"], int)

    def test_django_imported_before_the_probe(self) -> None:
        folder = tempdir(self)
        path = os.path.join(folder, "rec.ndjson")
        app = write(folder, "late.py", LATE)
        # Under the runner the script's own runtime.start() is a no-op (already started): must be harmless.
        proc = run_probe(["run", "--", app], probe_env({"DJLEAK_RECORD": path + ".runner"}))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["middleware"][0], MW)
        # Without the runner: the script starts the probe itself, after django.setup().
        import subprocess
        import sys

        proc = subprocess.run(
            [sys.executable, app], env=probe_env({"DJLEAK_RECORD": path}), capture_output=True, text=True, timeout=20
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)
        self.assertTrue(out["wrapped"])
        self.assertEqual(out["middleware"], [MW, "django.middleware.common.CommonMiddleware"])
        self.assertEqual([m["type"] for m in read_lines(path) if m["type"] == "django"], ["django"])

    def test_probe_off_leaves_django_alone(self) -> None:
        folder = tempdir(self)
        app = write(folder, "app.py", "import django, json\nprint(json.dumps(hasattr(django.setup, '__djleak_original__')))\n")
        proc = run_probe(["run", "--", app], probe_env())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "false")

    @unittest.skipUnless(HAS_GUNICORN and hasattr(os, "fork"), "gunicorn is not importable")
    def test_gunicorn_two_workers(self) -> None:
        import urllib.request

        from .helpers import free_port, popen_probe

        folder = tempdir(self)
        for name, text in PROJECT.items():
            write(folder, name, text)
        collector = Collector()
        self.addCleanup(collector.close)
        port = free_port()
        command = ["run", "--", "-m", "gunicorn", "proj.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        from gunicorn.config import KNOWN_SETTINGS

        if any(s.name == "control_socket" for s in KNOWN_SETTINGS):  # gunicorn >= 26: keep it out of ~/.gunicorn
            command += ["--control-socket", os.path.join(folder, "gunicorn.ctl")]
        proc = popen_probe(command, collector.env(), cwd=folder)
        self.addCleanup(lambda: (proc.stdout.close(), proc.stderr.close(), proc.stdin.close()))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        workers = wait_until(
            lambda: [c for c in collector.conns if c.hello and c.hello["role"] == "worker" and c.of_type("django")]
            if len([c for c in collector.conns if c.hello and c.of_type("django")]) >= 2 else None,
            timeout=20,
        )
        main = collector.conn_of(proc.pid)
        self.assertEqual(main.hello["role"], "main")
        self.assertEqual(main.hello["command"][:3], ["-m", "gunicorn", "proj.wsgi"])
        self.assertEqual(len(workers), 2)
        for w in workers:
            self.assertEqual(w.hello["ppid"], proc.pid)
            self.assertEqual(w.of_type("django")[0]["settings"], "proj.settings")
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hit/", timeout=10) as resp:
                self.assertEqual(resp.status, 200)
        items = lambda: [i for w in workers for m in w.of_type("requests") for i in m["items"]]  # noqa: E731
        wait_until(lambda: len(items()) >= 20)
        self.assertEqual({(i["route"], i["view"], i["status"]) for i in items()}, {("hit/", "proj.urls.hit", 200)})
        for conn in (main, *workers):
            wait_until(lambda: conn.of_type("samples"))
        proc.terminate()
        self.assertEqual(proc.wait(20), 0)
        for conn in (main, *workers):
            wait_until(lambda: conn.eof)
            self.assertEqual(conn.messages[-1]["type"], "bye")


if __name__ == "__main__":
    unittest.main()
