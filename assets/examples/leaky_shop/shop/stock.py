"""Low-stock alerts: watches stock levels in the background and logs products that run low."""

from __future__ import annotations

import logging
import threading

from .models import Product

logger = logging.getLogger(__name__)

LOW_STOCK = 5
RECHECK_SECONDS = 600
# A safety cap for the demo so a long run cannot exhaust the machine: past it, no new watcher is started.
MAX_WATCHERS = 200

_watchers: list[threading.Thread] = []
_watchers_lock = threading.Lock()


def start_stock_watch() -> int | None:
    """Start a watcher thread; returns how many watchers are running (None: the cap was reached)."""
    with _watchers_lock:
        _watchers[:] = [t for t in _watchers if t.is_alive()]
        if len(_watchers) >= MAX_WATCHERS:
            return None
        thread = threading.Thread(
            target=_watch_stock, args=(threading.Event(),), name="stock-watch", daemon=True
        )
        _watchers.append(thread)
        thread.start()
        return len(_watchers)


def _watch_stock(stop: threading.Event) -> None:
    previous: dict[str, dict] = {}
    while True:
        # PLANTED LEAK (close-db-connections): Django gives every thread its own database connection, opened by
        # the first query below. This thread never calls connection.close() and never ends (it sleeps between
        # checks), so each request leaves one more open connection, its thread and its ~60 KB snapshot behind.
        # Fix: hand the job to the existing worker (shop/worker.py) or a small pool, and close the connection
        # when the job is done: connection.close() / close_old_connections() in a finally block.
        products = list(Product.objects.select_related("category"))  # PLANTED LEAK (close-db-connections)
        snapshot = {p.sku: {**p.as_card(), "history": [p.stock] * 64} for p in products}
        for sku, card in snapshot.items():
            if card["stock"] <= LOW_STOCK and previous.get(sku, {}).get("stock", LOW_STOCK + 1) > LOW_STOCK:
                logger.debug("low stock: %s (%s left)", sku, card["stock"])
        previous = snapshot
        if stop.wait(RECHECK_SECONDS):
            return
