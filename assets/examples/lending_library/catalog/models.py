"""The catalogue, after MDN's "locallibrary" tutorial: authors, books, and copies of books (BookInstance) that
readers borrow. A copy has a UUID primary key, as in the tutorial."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Author(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    born = models.IntegerField(null=True, blank=True)
    died = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def get_absolute_url(self) -> str:
        return reverse("author-detail", args=[self.slug])


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.RESTRICT, related_name="books")
    summary = models.TextField(max_length=1000)
    isbn = models.CharField("ISBN", max_length=13, unique=True)
    year = models.IntegerField(help_text="Year of first publication")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("book-detail", args=[self.pk])


class BookInstance(models.Model):
    """A copy of a book that can be borrowed."""

    LOAN_STATUS = [("m", "Maintenance"), ("o", "On loan"), ("a", "Available"), ("r", "Reserved")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, help_text="Unique ID for this copy")
    book = models.ForeignKey(Book, on_delete=models.RESTRICT, related_name="copies")
    imprint = models.CharField(max_length=200)
    due_back = models.DateField(null=True, blank=True)
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=1, choices=LOAN_STATUS, blank=True, default="m")

    class Meta:
        ordering = ["due_back", "book__title"]

    def __str__(self) -> str:
        return f"{self.id} ({self.book.title})"
