"""Settings for the lending_library example: a small library catalogue whose pages mostly need a login.

The project folder may be read-only (it ships inside the djleak app), so nothing is ever written here:
the SQLite database lives in $LENDING_LIBRARY_DB, or in a per-user folder under the system temp directory.
"""

import getpass
import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _default_db_path() -> Path:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"lending_library-{user}" / "lending_library.sqlite3"


DB_PATH = Path(os.environ.get("LENDING_LIBRARY_DB") or _default_db_path()).expanduser().resolve()

# An example key: this project must never be deployed anywhere.
SECRET_KEY = os.environ.get(
    "LENDING_LIBRARY_SECRET_KEY", "lending-library-example-key-not-a-secret-0123456789abcdef"
)

# DEBUG stays off so Django keeps no per-connection query log. LENDING_LIBRARY_DEBUG=1 turns it on.
DEBUG = os.environ.get("LENDING_LIBRARY_DEBUG") == "1"

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "catalog.apps.CatalogConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lending_library.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "lending_library.wsgi.application"
ASGI_APPLICATION = "lending_library.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DB_PATH,
        "OPTIONS": {
            # gunicorn runs several worker processes on one SQLite file: wait for locks instead of failing,
            # take the write lock up front, and let readers work while a writer commits.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}

# Sessions: Django's default, the database (django.contrib.sessions.backends.db). A logged-in reader's session
# is one row in django_session; the process keeps nothing per session.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# The password-reset form "sends" its email to the console (the seeded users have no address anyway).
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"catalog": {"handlers": ["console"], "level": "INFO"}},
}
