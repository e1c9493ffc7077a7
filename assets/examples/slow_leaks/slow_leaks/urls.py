from django.urls import include, path

urlpatterns = [
    path("", include("newsroom.urls")),
]
