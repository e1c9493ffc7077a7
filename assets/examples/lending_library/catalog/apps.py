from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import bootstrap

        # Creates the tables, the catalogue and the two users on first start; once per process, safe under gunicorn.
        bootstrap.ensure_database()
