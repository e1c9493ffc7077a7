"""WSGI entry point: `gunicorn slow_leaks.wsgi -w 2 -b 127.0.0.1:8000` from the project folder."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slow_leaks.settings")

application = get_wsgi_application()
