"""The ``urls`` command with ``examples``: detail views' keys filled from an existing row, the rest said why not."""

from __future__ import annotations

import importlib.util
import json
import unittest

from .helpers import probe_env, run_probe, tempdir, write

HAS_DJANGO = importlib.util.find_spec("django") is not None

MODELS = """\
import uuid
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=100)
    handle = models.SlugField(unique=True)

class Book(models.Model):
    title = models.CharField(max_length=100)

class Loan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    book = models.ForeignKey(Book, on_delete=models.CASCADE)

class Shelf(models.Model):
    name = models.CharField(max_length=100)
"""

APP = """\
import json, os, sys, threading
sys.path.insert(0, sys.argv[1])
from django.conf import settings
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="x" * 50, LOGGING_CONFIG=None,
    INSTALLED_APPS=["django.contrib.contenttypes", "catalog"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(sys.argv[1], "db.sqlite3")}},
)
import django
django.setup()
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.generic import DetailView, ListView, UpdateView
from catalog.models import Author, Book, Loan, Shelf

class BookDetail(DetailView):
    model = Book

class AuthorDetail(DetailView):
    queryset = Author.objects.order_by("name")
    slug_field = "handle"
    slug_url_kwarg = "handle"

class LoanRenew(UpdateView):
    model = Loan
    fields = ["book"]

class ShelfDetail(DetailView):
    model = Shelf

class YearList(ListView):
    model = Book

def archive(request, year):
    return HttpResponse(str(year))

tenant = [path("books/<int:pk>/", BookDetail.as_view(), name="book")]
urlpatterns = [
    path("books/<int:pk>/", BookDetail.as_view(), name="book"),
    path("authors/<slug:handle>/", AuthorDetail.as_view(), name="author"),
    path("loans/<uuid:pk>/renew/", LoanRenew.as_view(), name="renew"),
    path("shelves/<int:pk>/", ShelfDetail.as_view()),
    path("years/<int:year>/", YearList.as_view()),
    path("archive/<int:year>/", archive),
    re_path(r"^old/(?P<pk>[0-9]+)/$", BookDetail.as_view()),
    path("t/<slug:tenant>/", include(tenant)),
    path("", lambda request: HttpResponse("home")),
]

from django.core.management import call_command
call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
Book.objects.create(title="first")
Book.objects.create(title="second")
Author.objects.create(name="Zed", handle="zed")
Author.objects.create(name="Ann", handle="ann-lee")
loan = Loan.objects.create(book=Book.objects.first())
from django.db import connections
connections.close_all()

from djleak_probe import commands
out = {}
worker = threading.Thread(target=lambda: out.update(commands.handle({"id": 1, "name": "urls", "args": {"examples": True}})))
worker.start()
worker.join()
plain = commands.handle({"id": 2, "name": "urls", "args": {}})
bad = commands.handle({"id": 3, "name": "urls", "args": {"examples": "yes"}})
print(json.dumps({"examples": out, "plain": plain, "bad": bad, "loan": str(loan.pk)}))
"""


@unittest.skipUnless(HAS_DJANGO, "django is not importable")
class UrlExamplesTest(unittest.TestCase):
    def test_detail_views_get_the_key_of_an_existing_row(self) -> None:
        folder = tempdir(self)
        write(folder, "catalog/__init__.py", "")
        write(folder, "catalog/models.py", MODELS)
        app = write(folder, "app.py", APP)
        proc = run_probe(["run", "--", app, folder], probe_env(), timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        rows = {p["route"]: p for p in out["examples"]["result"]["patterns"]}
        pick = lambda route: {k: rows[route].get(k) for k in ("example", "example_from", "why")}  # noqa: E731
        self.assertEqual(pick("books/<int:pk>/"), {"example": "/books/1/", "example_from": "catalog.Book pk=1", "why": None})
        # the view's own queryset and slug field: the first author by name, looked up by its handle
        self.assertEqual(
            pick("authors/<slug:handle>/"),
            {"example": "/authors/ann-lee/", "example_from": "catalog.Author handle=ann-lee", "why": None},
        )
        self.assertEqual(rows["loans/<uuid:pk>/renew/"]["example"], f"/loans/{out['loan']}/renew/")
        self.assertEqual(rows[""]["example"], "/")  # no parameters: as without examples
        self.assertEqual(
            pick("shelves/<int:pk>/"),
            {"example": None, "example_from": None, "why": "no catalog.Shelf row to take <pk> from: add one, or give an example path"},
        )
        self.assertRegex(rows["years/<int:year>/"]["why"], r"^YearList does not look its object up by <year>")
        self.assertRegex(rows["archive/<int:year>/"]["why"], r"^a function view's parameters \(<year>\)")
        self.assertRegex(rows["^old/(?P<pk>[0-9]+)/$"]["why"], r"^a re_path\(\) pattern")
        self.assertRegex(rows["t/<slug:tenant>/books/<int:pk>/"]["why"], r"^BookDetail does not look its object up by <tenant>")
        # without the flag nothing is queried and routes with parameters have no example, as before
        plain = {p["route"]: p for p in out["plain"]["result"]["patterns"]}
        self.assertNotIn("why", plain["books/<int:pk>/"])
        self.assertIsNone(plain["books/<int:pk>/"]["example"])
        self.assertEqual(out["bad"]["error"], "examples must be true or false")


if __name__ == "__main__":
    unittest.main()
