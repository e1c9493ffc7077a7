from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import bootstrap, perf, worker

        perf.apply_startup_tweaks()
        # Creates the tables and the demo catalogue on first start; once per process, safe under gunicorn.
        bootstrap.ensure_database()
        worker.start()
