"""Settings for the slow_leaks example: a small newsroom site whose leaks are a few bytes to a few KB a request.

The project folder may be read-only (it ships inside the djleak app), so nothing is ever written here:
the SQLite database lives in $SLOW_LEAKS_DB, or in a per-user folder under the system temp directory.
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
    return Path(tempfile.gettempdir()) / f"slow_leaks-{user}" / "slow_leaks.sqlite3"


DB_PATH = Path(os.environ.get("SLOW_LEAKS_DB") or _default_db_path()).expanduser().resolve()

# An example key: this project must never be deployed anywhere.
SECRET_KEY = os.environ.get("SLOW_LEAKS_SECRET_KEY", "slow-leaks-example-key-not-a-secret-0123456789abcdef")

# DEBUG is on by default, on purpose: Django then logs every query of a request in connection.queries_log,
# which /desk/dashboard/ (a control) relies on to show that this log is bounded and reset at every request.
# SLOW_LEAKS_DEBUG=0 turns it off.
DEBUG = os.environ.get("SLOW_LEAKS_DEBUG", "1") != "0"

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.sessions",
    "newsroom.apps.NewsroomConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.TrendingStoriesMiddleware",
]

ROOT_URLCONF = "slow_leaks.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    },
]

WSGI_APPLICATION = "slow_leaks.wsgi.application"
ASGI_APPLICATION = "slow_leaks.asgi.application"

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
        "LOCATION": "slow-leaks-default",
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
    # Rendered fragments (homepage teasers). Sized "so that it never evicts anything": with keys that are unique
    # per request, that is what makes /stories/teaser/ leak.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "slow-leaks-fragments",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
    # Sessions live in process memory (SESSION_ENGINE below), with the same "never evict" sizing.
    "sessions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "slow-leaks-sessions",
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
    # Replay protection for the headlines API: one entry per request nonce, in a small cache that culls.
    "nonces": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "slow-leaks-nonces",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
}

# Cause of the /newsletter/signup/ pile-up: sessions are kept in this process's memory, in a cache alias that never
# culls, for SESSION_COOKIE_AGE (two weeks); a visitor without a cookie gets a new one each time a view writes to
# request.session. Fix: the database or a shared cache (Redis, Memcached) with a bounded size, a shorter
# SESSION_COOKIE_AGE, and no session for anonymous readers unless it is needed.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"  # LEAK CAUSE (destroy-session-data)
SESSION_CACHE_ALIAS = "sessions"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"newsroom": {"handlers": ["console"], "level": "INFO"}},
}
