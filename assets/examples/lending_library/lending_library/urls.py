from django.urls import include, path

urlpatterns = [
    path("", include("catalog.urls")),
    # Django's own login, logout and password views (login/, logout/, password_change/, password_reset/, ...);
    # the project only supplies their templates (catalog/templates/registration/).
    path("accounts/", include("django.contrib.auth.urls")),  # CONTROL (Django's auth views)
]
