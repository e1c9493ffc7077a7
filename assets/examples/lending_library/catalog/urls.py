from django.urls import path

from . import views

urlpatterns = [
    # Public.
    path("", views.index, name="index"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
    # Behind the login (LoginRequiredMixin or @login_required).
    path("books/", views.BookListView.as_view(), name="books"),
    path("authors/", views.AuthorListView.as_view(), name="authors"),
    path("mybooks/", views.LoanedBooksByUserListView.as_view(), name="my-borrowed"),
    path("books/<int:pk>/", views.BookDetailView.as_view(), name="book-detail"),  # leaks (catalog/viewlog.py)
    path("loans/<uuid:pk>/renew/", views.RenewLoanView.as_view(), name="renew-loan"),
    path("archive/<int:year>/", views.archive_year, name="archive-year"),
    path("catalog/recent/", views.recently_viewed, name="recently-viewed"),  # leaks (catalog/recent.py)
    path("catalog/suggestions/", views.suggested, name="suggestions"),
]
