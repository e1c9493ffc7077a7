"""The catalogue's pages, after MDN's "locallibrary" tutorial. Most need a login (LoginRequiredMixin or
@login_required); the index, the about page, the author pages and the login page are public.

Two pages leak, both behind the login: /catalog/recent/ (catalog/recent.py) and the book detail view
/books/<pk>/ (catalog/viewlog.py). The rest are controls. See leaks.json and README.md.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views import generic
from django.views.decorators.http import require_GET

from . import recent, suggestions, viewlog
from .models import Author, Book, BookInstance


# Public pages.


@require_GET
def index(request):
    """/ - the home page, with counts (public)."""
    context = {
        "num_books": Book.objects.count(),  # CONTROL (public index)
        "num_instances": BookInstance.objects.count(),
        "num_instances_available": BookInstance.objects.filter(status="a").count(),
        "num_authors": Author.objects.count(),
    }
    return render(request, "catalog/index.html", context)


class AboutView(generic.TemplateView):
    """/about/ - what this site is (public)."""

    template_name = "catalog/about.html"  # CONTROL (public page)


class AuthorDetailView(generic.DetailView):
    """/authors/<slug>/ - an author and their books (public). Looked up by slug in its queryset."""

    queryset = Author.objects.all()  # CONTROL (public detail view)


# Behind the login.


class BookListView(LoginRequiredMixin, generic.ListView):
    """/books/ - every book, ten a page."""

    model = Book  # CONTROL (login-required list)
    paginate_by = 10

    def get_queryset(self):
        return Book.objects.select_related("author")


class AuthorListView(LoginRequiredMixin, generic.ListView):
    """/authors/ - every author."""

    model = Author  # CONTROL (login-required list)
    paginate_by = 10


class LoanedBooksByUserListView(LoginRequiredMixin, generic.ListView):
    """/mybooks/ - the copies the logged-in reader has on loan."""

    model = BookInstance
    template_name = "catalog/bookinstance_list_borrowed_user.html"

    def get_queryset(self):
        return (
            BookInstance.objects.filter(borrower=self.request.user, status="o")  # CONTROL (the user's loans)
            .select_related("book")
            .order_by("due_back")
        )


class BookDetailView(LoginRequiredMixin, generic.DetailView):
    """/books/<pk>/ - one book and its copies. Every view is recorded in the view log (catalog/viewlog.py)."""

    model = Book

    def get_object(self, queryset=None):
        book = super().get_object(queryset)
        viewlog.record(self.request.user.get_username(), book)
        return book


class RenewLoanView(LoginRequiredMixin, generic.UpdateView):
    """/loans/<uuid>/renew/ - the renewal form for one copy (MDN's renew-book-librarian), proposing three weeks."""

    model = BookInstance  # CONTROL (login-required form)
    fields = ["due_back"]
    template_name = "catalog/bookinstance_renew.html"
    success_url = reverse_lazy("my-borrowed")

    def get_initial(self):
        return {"due_back": date.today() + timedelta(weeks=3)}


@login_required
@require_GET
def archive_year(request, year: int):
    """/archive/<year>/ - the books first published in a year (a plain function view: its parameter is a year,
    not a key any model lists, so djleak cannot fill it in)."""
    found = Book.objects.filter(year=year).select_related("author")  # CONTROL (function view with a parameter)
    return render(request, "catalog/archive.html", {"year": year, "books": found})


@login_required
@require_GET
def recently_viewed(request):
    """/catalog/recent/ - the reader's recently viewed books (catalog/recent.py: the planted leak)."""
    kept = recent.reopen(request.GET["trail"]) if request.GET.get("trail", "").isdigit() else None
    trail, panel = (int(request.GET["trail"]), kept) if kept else recent.recently_viewed(request.user.get_username())
    return render(request, "catalog/recent.html", {"trail": trail, "panel": panel})


@login_required
@require_GET
def suggested(request):
    """/catalog/suggestions/ - suggestions for the reader, kept per user (catalog/suggestions.py: a control)."""
    return render(request, "catalog/suggestions.html", {"panel": suggestions.suggest_for(request.user)})
