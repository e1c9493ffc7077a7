"""Rendered HTML fragments, memoised in process so busy pages skip the rendering work."""

from __future__ import annotations

import functools
from datetime import datetime
from html import escape

from django.utils import timezone

from .models import Product

# Rendered price lists, keyed by (currency, time of rendering).
_PRICE_LIST_FRAGMENTS: dict[tuple[str, str], str] = {}

RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85}


def price_list_fragment(currency: str = "EUR") -> str:
    now = timezone.now()
    # Meant to be a per-minute key (now.replace(second=0, microsecond=0)); isoformat() keeps the microseconds,
    # so every request gets a key of its own and nothing is ever served from the memo.
    key = (currency, now.isoformat())
    fragment = _PRICE_LIST_FRAGMENTS.get(key)
    if fragment is None:
        products = Product.objects.select_related("category").order_by("category__name", "name")
        rows = [_price_row(product, currency, now) for product in products]
        # PLANTED LEAK (clear-caches): a module-level dict with a key that is unique per request and no size
        # limit or expiry, so each request adds ~50 KB that is never removed. Fix: bound or clear the cache,
        # e.g. functools.lru_cache(maxsize=...) or Django's cache with a timeout, a coarse key, or a periodic
        # _PRICE_LIST_FRAGMENTS.clear().
        fragment = _PRICE_LIST_FRAGMENTS[key] = "\n".join(rows)  # PLANTED LEAK (clear-caches)
    return fragment


def _price_row(product: Product, currency: str, now: datetime) -> str:
    price = float(product.price) * RATES[currency]
    return (
        f'<tr data-sku="{product.sku}" data-rendered="{now.isoformat()}">'
        f"<td>{escape(product.category.name)}</td><td>{escape(product.name)}</td>"
        f'<td class="num">{price:.2f} {currency}</td><td class="num">{product.stock}</td>'
        f'<td class="desc">{escape(product.description)}</td></tr>'
    )


# CONTROL (not a leak): the same "memoise per request time" mistake, but the memo is bounded. It fills up
# during the first 64 requests (~12 KB each), then each new entry evicts the oldest, and memory stays flat.
@functools.lru_cache(maxsize=64)  # CONTROL (bounded cache)
def featured_fragment(rendered_at: str) -> str:
    products = (
        Product.objects.filter(stock__gt=0)
        .order_by("-view_count", "name")
        .values("name", "category__name", "price", "description")[:12]
    )
    cards = [
        f'<article class="card" data-rendered="{rendered_at}"><h3>{escape(p["name"])}</h3>'
        f'<p>{escape(p["category__name"])} - {p["price"]} EUR</p><p>{escape(p["description"])}</p></article>'
        for p in products
    ]
    return "\n".join(cards)
