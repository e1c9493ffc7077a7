"""ASGI entry point (not used by the example's scenario, here for completeness)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lending_library.settings")

application = get_asgi_application()
