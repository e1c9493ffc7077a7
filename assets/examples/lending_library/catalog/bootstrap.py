"""Creates the database on start-up: runs the migrations and seeds the example library (users, authors, books).

Runs from CatalogConfig.ready(), so `runserver` and `gunicorn` need no separate `migrate` step. It runs once per
process (a module flag), and an exclusive lock file next to the database serialises processes that start
together (gunicorn workers), so the second one finds the tables already there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection, connections

from . import seed

logger = logging.getLogger(__name__)

_done = False
_done_lock = threading.Lock()


def ensure_database() -> None:
    global _done
    with _done_lock:
        if _done:
            return
        db_path = Path(settings.DATABASES["default"]["NAME"])
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(db_path.with_name(db_path.name + ".lock")):
            with warnings.catch_warnings():
                # Django warns about queries in AppConfig.ready(); creating the example database there is the point.
                warnings.filterwarnings("ignore", message="Accessing the database during app initialization")
                _migrate_with_retry()
                if "catalog_book" in connection.introspection.table_names():
                    created = seed.seed_library()
                    if created:
                        logger.info("lending_library: seeded %s into %s", created, db_path)
        # Never hand an open connection to forked gunicorn workers (gunicorn --preload).
        connections.close_all()
        _done = True


def _migrate_with_retry(attempts: int = 5) -> None:
    for attempt in range(attempts):
        try:
            call_command("migrate", interactive=False, verbosity=0)
            return
        except OperationalError as exc:
            # Without a working lock file (odd file systems) another process may win the race: its tables
            # then exist ("already exists") or it holds the write lock ("locked"). Try again.
            message = str(exc).lower()
            if attempt == attempts - 1 or not ("already exists" in message or "locked" in message):
                raise
            connections.close_all()
            time.sleep(0.2 * (attempt + 1))


@contextlib.contextmanager
def _exclusive_lock(path: Path):
    try:
        handle = open(path, "a+b")
    except OSError:  # a read-only data folder: fall back to the retry loop
        yield
        return
    with handle:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.1)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                if os.name == "nt":
                    import msvcrt

                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
