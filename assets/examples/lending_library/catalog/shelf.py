"""The catalogue as the pages show it, read once per process: (pk, title, author, year) for every book.

Bounded by the data (40 books), not by the traffic: loaded on first use, then only read.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from .models import Book


class ShelfBook(NamedTuple):
    pk: int
    title: str
    author: str
    author_slug: str
    year: int


_books: tuple[ShelfBook, ...] | None = None
_lock = threading.Lock()


def books() -> tuple[ShelfBook, ...]:
    global _books
    with _lock:
        if _books is None:
            rows = Book.objects.select_related("author").order_by("pk")
            _books = tuple(
                ShelfBook(b.pk, b.title, f"{b.author.first_name} {b.author.last_name}", b.author.slug, b.year)
                for b in rows
            )
        return _books
