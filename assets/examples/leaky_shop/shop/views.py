from __future__ import annotations

import json
import threading
from itertools import count

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import fragments, history, menu, pricing, reports, stock, worker
from .models import Product

CHECKLIST_LABELS = {
    "clear-caches": "Clear caches",
    "close-db-connections": "Close database connections",
    "destroy-session-data": "Destroy session data",
    "garbage-collection": "Garbage collection",
    "weakref": "Weak references",
}


def render_page(template_name: str, context: dict, status: int = 200) -> HttpResponse:
    # Pages render from a plain dict, without a RequestContext: there are no forms and no context processors.
    # That also keeps page rendering free of reference cycles (RequestContext creates a few per request),
    # which matters in this process because shop/perf.py turned the cyclic garbage collector off.
    return HttpResponse(get_template(template_name).render(context), status=status)


def _fragment_page(title: str, fragment: str, table: bool = False, crumbs: str = "") -> HttpResponse:
    context = {"title": title, "fragment": fragment, "table": table, "crumbs": crumbs}
    return render_page("shop/fragment.html", context)


_endpoints: list[dict] | None = None


def _load_endpoints() -> list[dict]:
    global _endpoints
    if _endpoints is None:
        entries = json.loads((settings.BASE_DIR / "leaks.json").read_text(encoding="utf-8"))
        _endpoints = [{**e, "checklist_label": CHECKLIST_LABELS.get(e["checklist"], "")} for e in entries]
    return _endpoints


@require_GET
def index(request):  # CONTROL (index page)
    return render_page("shop/index.html", {"endpoints": _load_endpoints(), "db_path": settings.DB_PATH})


@require_GET
def product_list(request):
    # The local-memory cache is bounded (MAX_ENTRIES) and this entry expires: a cache done right.
    body = cache.get_or_set("product-list-page", _render_product_list, timeout=60)
    return HttpResponse(body)


def _render_product_list() -> str:
    products = Product.objects.select_related("category").order_by("category__name", "name")
    return get_template("shop/product_list.html").render({"products": products})


@require_GET
def product_detail(request, pk: int):
    product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    worker.submit(worker.record_product_view, product.pk)
    node = menu.current_menu().find(product.name)
    crumbs = " / ".join(node.breadcrumbs()[:-1]) if node else product.category.name
    return render_page("shop/product_detail.html", {"product": product, "crumbs": crumbs})


# Planted leaks: one per fix on the djleak checklist.


@require_GET
def price_list(request):
    """/cache/leak/ - the full price list (memoised per render time: planted leak in shop/fragments.py)."""
    currency = request.GET.get("currency", "EUR").upper()
    html = fragments.price_list_fragment(currency if currency in fragments.RATES else "EUR")
    return _fragment_page("Price list", html, table=True)


@require_GET
def stock_watch(request):
    """/db/leak/ - subscribe the stock dashboard to low-stock alerts (planted leak in shop/stock.py)."""
    running = stock.start_stock_watch()
    return JsonResponse({"watching": running is not None, "watchers": running, "cap": stock.MAX_WATCHERS})


_spotlight_turn = count()
_spotlight_lock = threading.Lock()


@require_GET
def spotlight(request):
    """/session/leak/ - today's product spotlight; adds it to "recently viewed" (planted in shop/history.py)."""
    with _spotlight_lock:
        turn = next(_spotlight_turn)
    product = Product.objects.select_related("category").order_by("pk")[turn % Product.objects.count()]
    panel = history.remember_view(request, product)
    return render_page(
        "shop/spotlight.html",
        {"product": product, "panel": panel, "count": len(request.session.get("recently_viewed", []))},
    )


@require_GET
def clear_history(request):
    history.forget_visitor(request)
    return JsonResponse({"cleared": True})


@require_GET
def category_menu(request):
    """/gc/leak/ - the category menu with breadcrumbs (planted leak in shop/menu.py + shop/perf.py)."""
    root = menu.rebuild_menu()
    deepest = root.children[-1].children[-1] if root.children and root.children[-1].children else root
    return _fragment_page("Categories", f"<ul>{root.render()}</ul>", crumbs=" / ".join(deepest.breadcrumbs()))


@require_GET
def cart_quote(request):
    """/weakref/leak/ - price the sample cart (planted leak in shop/pricing.py)."""
    catalogue = list(Product.objects.select_related("category").order_by("pk"))
    items = [(product, 1 + index % 3) for index, product in enumerate(catalogue[::7])]
    quote = pricing.open_quote(items, catalogue)
    return JsonResponse(
        {
            "items": [{"product_id": pk, "quantity": quantity} for pk, quantity in quote.items],
            "total": str(quote.total),
            "priced_at": timezone.now().isoformat(),
        }
    )


# Controls: they use memory or do a lot of work, but they do not leak.


@require_GET
def featured(request):
    """/cache/bounded/ - featured products, memoised in a bounded lru_cache (shop/fragments.py)."""
    html = fragments.featured_fragment(timezone.now().isoformat())
    return _fragment_page("Featured", html)


@require_GET
def sales_chart(request):
    """/report/transient/ - sales chart as PNG, drawn on a 36 MB temporary bitmap (shop/reports.py)."""
    return HttpResponse(reports.sales_chart_png(), content_type="image/png")


@require_GET
def sales(request):
    """/report/queries/ - per-product sales stats, ~150 queries per request (shop/reports.py)."""
    return render_page("shop/sales.html", {"rows": reports.sales_stats()})
