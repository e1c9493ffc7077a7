"""The middleware's request records: a path longer than MAX_PATH is cut to its first MAX_PATH characters."""

from __future__ import annotations

import importlib.util
import json
import os
import unittest

from djleak_probe.middleware import MAX_PATH

from .helpers import probe_env, read_lines, run_probe, tempdir, write

HAS_DJANGO = importlib.util.find_spec("django") is not None

# Requests with paths of the given lengths (a route that takes anything, so the view runs), sync and async.
APP = """\
import asyncio, json, sys
from django.conf import settings
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="x", INSTALLED_APPS=[],
    MIDDLEWARE=[], LOGGING_CONFIG=None,
)
from django.http import HttpResponse
from django.urls import re_path

def anything(request):
    return HttpResponse("ok")

async def anything_async(request):
    return HttpResponse("ok")

urlpatterns = [re_path(r"^a/", anything_async), re_path(r"^", anything)]

import django
django.setup()
from django.test import AsyncClient, Client
paths = json.loads(sys.argv[1])
statuses = [Client().get(p).status_code for p in paths]
statuses.append(asyncio.run(AsyncClient().get("/a/" + "d" * 3000)).status_code)
print(json.dumps(statuses))
"""


@unittest.skipUnless(HAS_DJANGO, "django is not importable")
class PathTruncationTest(unittest.TestCase):
    def test_long_paths_are_recorded_cut_to_max_path(self) -> None:
        self.assertEqual(MAX_PATH, 2048)
        folder = tempdir(self)
        record = os.path.join(folder, "rec.ndjson")
        app = write(folder, "app.py", APP)
        exact = "/" + "b" * (MAX_PATH - 1)
        one_over = "/" + "c" * MAX_PATH
        long = "/" + "".join(f"{i:05d}/" for i in range(1000))  # 6,001 characters, each prefix distinct
        accents = "/" + "é" * 3000
        paths = ["/short/", exact, one_over, long, accents]
        proc = run_probe(["run", "--", app, json.dumps(paths)], probe_env({"DJLEAK_RECORD": record}), timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout.strip().splitlines()[-1]), [200] * 6)

        items = [i for m in read_lines(record) if m["type"] == "requests" for i in m["items"]]
        got = [i["path"] for i in items]
        self.assertEqual(
            got,
            [
                "/short/",
                exact,  # exactly MAX_PATH characters: kept whole
                one_over[:MAX_PATH],  # one more: the last one cut
                long[:MAX_PATH],  # its first 2,048 characters, not any others
                accents[:MAX_PATH],  # characters, not bytes (4,095 of UTF-8)
                ("/a/" + "d" * 3000)[:MAX_PATH],  # an async view's the same
            ],
        )
        self.assertEqual([len(p) for p in got], [7, 2048, 2048, 2048, 2048, 2048])
        self.assertTrue(long[:MAX_PATH].endswith("/00340/0"))
        # the rest of each record is the request's own
        self.assertEqual([i["status"] for i in items], [200] * 6)
        self.assertEqual([i["route"] for i in items], ["^"] * 5 + ["^a/"])


if __name__ == "__main__":
    unittest.main()
