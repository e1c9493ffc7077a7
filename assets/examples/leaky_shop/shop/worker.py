"""The shop's one background worker: a daemon thread that runs small jobs off the request path.

This is the pattern that does NOT leak: one long-lived thread, and every job ends by closing the thread's
database connection, so the connection count stays at one no matter how many jobs run.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Callable

from django.db import connection
from django.db.models import F

logger = logging.getLogger(__name__)

_jobs: queue.Queue[tuple[Callable[..., None], tuple]] = queue.Queue(maxsize=1000)
_thread: threading.Thread | None = None
_thread_pid: int | None = None
_start_lock = threading.Lock()


def start() -> None:
    """Start the worker in this process (again after a fork: threads do not survive fork())."""
    global _thread, _thread_pid
    with _start_lock:
        if _thread is not None and _thread.is_alive() and _thread_pid == os.getpid():
            return
        _thread = threading.Thread(target=_run, name="shop-worker", daemon=True)
        _thread_pid = os.getpid()
        _thread.start()


def submit(job: Callable[..., None], *args) -> bool:
    start()
    try:
        _jobs.put_nowait((job, args))
        return True
    except queue.Full:
        logger.warning("shop worker queue full; dropped %s", getattr(job, "__name__", job))
        return False


def _run() -> None:
    while True:
        job, args = _jobs.get()
        try:
            job(*args)
        except Exception:
            logger.exception("shop worker job failed")
        finally:
            connection.close()


def record_product_view(product_id: int) -> None:
    from .models import Product

    Product.objects.filter(pk=product_id).update(view_count=F("view_count") + 1)
