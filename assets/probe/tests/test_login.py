"""The ``login`` command: a session for an existing user that Django's own auth accepts, nothing else written."""

from __future__ import annotations

import importlib.util
import json
import os
import unittest

from .helpers import probe_env, run_probe, tempdir, write

HAS_DJANGO = importlib.util.find_spec("django") is not None

APP = """\
import json, os, sys, threading
from django.conf import settings
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="x" * 50, LOGGING_CONFIG=None,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(sys.argv[1], "db.sqlite3")}},
    LOGIN_URL="/accounts/login/",
)
import django
django.setup()
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

@login_required
def private(request):
    return HttpResponse(request.user.get_username())

urlpatterns = [path("private/", private)]

from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth.models import User
User.objects.create_user("reader")
User.objects.create_user("gone", is_active=False)
from django.db import connections
connections.close_all()

from djleak_probe import commands

def command(args):
    # on a thread of its own, as the probe's link runs commands
    out = {}
    worker = threading.Thread(target=lambda: out.update(commands.handle({"id": 1, "name": "login", "args": args})))
    worker.start()
    worker.join()
    return out

ok = command({"username": "reader"})["result"]
from django.test import Client
anonymous = Client().get("/private/")
client = Client()
client.cookies[ok["cookie"]] = ok["session_key"]
logged_in = client.get("/private/")
print(json.dumps({
    "ok": ok,
    "anonymous": [anonymous.status_code, anonymous.headers.get("Location")],
    "logged_in": [logged_in.status_code, logged_in.content.decode()],
    "last_login": str(User.objects.get(username="reader").last_login),
    "sessions": __import__("django.contrib.sessions.models", fromlist=["Session"]).Session.objects.count(),
    "missing": command({"username": "nobody"}),
    "inactive": command({"username": "gone"}),
    "bad": command({"username": 7}),
}))
"""


@unittest.skipUnless(HAS_DJANGO, "django is not importable")
class LoginTest(unittest.TestCase):
    def test_a_session_the_apps_own_auth_accepts(self) -> None:
        folder = tempdir(self)
        app = write(folder, "app.py", APP)
        proc = run_probe(["run", "--", app, folder], probe_env(), timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(out["ok"]["cookie"], "sessionid")
        self.assertEqual(out["ok"]["user_model"], "auth.User")
        self.assertEqual(out["ok"]["session_engine"], "django.contrib.sessions.backends.db")
        self.assertEqual(out["anonymous"], [302, "/accounts/login/?next=/private/"])
        self.assertEqual(out["logged_in"], [200, "reader"])
        # nothing written but the session: no user_logged_in signal, so no last_login
        self.assertEqual(out["last_login"], "None")
        self.assertEqual(out["sessions"], 1)
        missing = out["missing"]
        self.assertFalse(missing["ok"])
        self.assertRegex(
            missing["error"],
            r"^no user with username 'nobody' in the project's database \(auth\.User, 2 users\): create one with "
            r"`python manage\.py createsuperuser --username nobody`",
        )
        self.assertEqual(
            out["inactive"]["error"], "user 'gone' is not active: Django's ModelBackend refuses inactive users"
        )
        self.assertEqual(out["bad"]["error"], "username must be a non-empty string of at most 254 characters")

    def test_refused_before_django_is_set_up(self) -> None:
        from djleak_probe import commands

        if importlib.util.find_spec("django") and __import__("django.conf").conf.settings.configured:
            self.skipTest("Django is set up in this test process")
        reply = commands.handle({"id": 1, "name": "login", "args": {"username": "reader"}})
        self.assertEqual(reply["error"], "Django is not set up in this process yet")


if __name__ == "__main__":
    unittest.main()
