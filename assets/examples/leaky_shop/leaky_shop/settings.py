"""Settings for the leaky_shop demo: a small shop with deliberately planted memory leaks.

The project folder may be read-only (it ships inside the djleak app), so nothing is ever written here:
the SQLite database lives in $LEAKY_SHOP_DB, or in a per-user folder under the system temp directory.
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
    return Path(tempfile.gettempdir()) / f"leaky_shop-{user}" / "leaky_shop.sqlite3"


DB_PATH = Path(os.environ.get("LEAKY_SHOP_DB") or _default_db_path()).expanduser().resolve()

# A demo key: this project must never be deployed anywhere.
SECRET_KEY = os.environ.get("LEAKY_SHOP_SECRET_KEY", "leaky-shop-demo-key-not-a-secret-0123456789abcdef")

# DEBUG stays off so Django keeps no per-connection query log (that log is bounded, but it would blur the
# measurements). Set LEAKY_SHOP_DEBUG=1 for tracebacks while hacking on the demo.
DEBUG = os.environ.get("LEAKY_SHOP_DEBUG") == "1"

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.sessions",
    "shop.apps.ShopConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leaky_shop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    },
]

WSGI_APPLICATION = "leaky_shop.wsgi.application"
ASGI_APPLICATION = "leaky_shop.asgi.application"

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

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "leaky-shop",
        "OPTIONS": {"MAX_ENTRIES": 300},
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"shop": {"handlers": ["console"], "level": "INFO"}},
}
