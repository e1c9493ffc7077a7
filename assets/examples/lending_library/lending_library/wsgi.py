"""WSGI entry point: `gunicorn lending_library.wsgi -w 2 -b 127.0.0.1:8000` from the project folder."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lending_library.settings")

application = get_wsgi_application()
