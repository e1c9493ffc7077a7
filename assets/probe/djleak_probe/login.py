"""The ``login`` command: a session for an existing user, so that a scan measures the pages behind a login.

Made the way Django's test client ``force_login`` makes one (no password needed), minus what a real login also
does: no ``user_logged_in`` signal (Django's receiver writes ``last_login`` to the user's row), no token rotation.
Nothing is written but the session itself, in the project's own session store.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Dict

from . import gauges


class LoginError(Exception):
    """The login cannot be made: Django not set up, no auth app, no such user."""


def login(args: Dict[str, Any]) -> Dict[str, Any]:
    username = args.get("username")
    if not isinstance(username, str) or not username or len(username) > 254:
        raise LoginError("username must be a non-empty string of at most 254 characters")
    settings = gauges._settings()  # None until Django is set up
    if settings is None:
        raise LoginError("Django is not set up in this process yet")
    if "django.contrib.auth" not in settings.INSTALLED_APPS:
        raise LoginError("the project does not install django.contrib.auth: there are no users to log in as")
    try:
        return _login(settings, username)
    finally:
        # The probe's own thread opened a connection to read the user: left open, the gauges would count it as
        # one held by a thread that serves no requests.
        from django.db import connections

        connections.close_all()


def _login(settings: Any, username: str) -> Dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend

    model = get_user_model()
    field = model.USERNAME_FIELD
    try:
        user = model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        users = model._default_manager.count()
        raise LoginError(
            f"no user with {field} {username!r} in the project's database ({model._meta.label}, {users} "
            f"user{'' if users == 1 else 's'}): create one with `python manage.py createsuperuser --{field} "
            f"{username}`, in the admin, or with the project's own sign-up"
        ) from None
    if not getattr(user, "is_active", True):
        raise LoginError(f"user {username!r} is not active: Django's ModelBackend refuses inactive users")
    backend = next(
        (path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")), None
    )
    if backend is None:
        raise LoginError("no authentication backend in AUTHENTICATION_BACKENDS can load a user (get_user)")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash() if hasattr(user, "get_session_auth_hash") else ""
    store.save()
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "session_key": store.session_key,
        "user": str(user),
        "user_model": model._meta.label,
        "session_engine": settings.SESSION_ENGINE,
    }
