"""ASGI entry point (e.g. `uvicorn leaky_shop.asgi:application`)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaky_shop.settings")

application = get_asgi_application()
