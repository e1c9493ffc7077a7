"""Price changes (run from `manage.py shell` or a scheduled job) and the cart quotes that follow them."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from .models import Product
from .signals import prices_changed


def reprice(percent: Decimal, category_slug: str | None = None) -> int:
    """Change prices by `percent` and tell every open quote about it."""
    products = Product.objects.all()
    if category_slug:
        products = products.filter(category__slug=category_slug)
    with transaction.atomic():
        changed = products.update(price=F("price") * (1 + percent / 100))
    prices_changed.send(sender=Product, changed=changed)
    return changed


class CartQuote:
    """A priced cart that re-prices itself when prices change while the customer is still looking at it."""

    def __init__(self, items: list[tuple[Product, int]], catalogue: list[Product]) -> None:
        self.items = [(product.pk, quantity) for product, quantity in items]
        # The prices this quote was computed with (one printable line per product), to tell the customer exactly
        # what changed. It is this quote's payload, ~60 KB, kept for as long as the quote lives: the leaked
        # memory is allocated here, and the connect(weak=False) in open_quote() is what keeps it alive.
        self.price_snapshot = {p.pk: f"{p.sku};{p.price};{p.name};{p.description}" for p in catalogue}  # PLANTED LEAK (weakref)
        self.total = self._total()

    def _total(self) -> Decimal:
        prices = {pk: Decimal(line.split(";", 2)[1]) for pk, line in self.price_snapshot.items()}
        return sum((prices[pk] * quantity for pk, quantity in self.items), Decimal("0.00"))

    def on_prices_changed(self, sender, **kwargs) -> None:
        catalogue = Product.objects.filter(pk__in=[pk for pk, _ in self.items])
        self.price_snapshot.update({p.pk: f"{p.sku};{p.price};{p.name};" for p in catalogue})
        self.total = self._total()


def open_quote(items: list[tuple[Product, int]], catalogue: list[Product]) -> CartQuote:
    quote = CartQuote(items, catalogue)
    # Cause of the /weakref/leak/ pile-up: weak=False makes the signal keep a strong reference to the bound
    # method, and so to the quote and its ~60 KB price snapshot, for the life of the process; nothing ever
    # disconnects it. (weak=False was added because a lambda receiver kept disappearing.) Fix: connect with
    # weak=True, the default, which holds bound methods through weakref.WeakMethod, or disconnect when the
    # request ends.
    prices_changed.connect(quote.on_prices_changed, sender=Product, weak=False)  # LEAK CAUSE (weakref)
    return quote
