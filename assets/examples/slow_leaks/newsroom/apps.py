from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import bootstrap

        # Creates the tables and the example stories on first start; once per process, safe under gunicorn.
        bootstrap.ensure_database()
