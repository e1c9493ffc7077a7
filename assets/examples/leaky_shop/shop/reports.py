"""Back-office reports: a print-resolution sales chart (memory-hungry) and per-product stats (query-hungry)."""

from __future__ import annotations

import struct
import zlib

from django.db.models import Sum

from .models import Category, OrderItem

CHART_WIDTH, CHART_HEIGHT = 4000, 3000  # print resolution: 4000 x 3000 RGB = 36 MB of pixels
_PALETTE = [b"\x8c\x5a\x3c", b"\x3c\x78\x50", b"\xc8\x8c\x28", b"\x46\x64\xa0", b"\xa0\x3c\x50", b"\x64\x64\x64"]


def sales_chart_png() -> bytes:
    """Units sold per category as a bar chart, rendered at print resolution and encoded as PNG."""
    units = dict(
        Category.objects.annotate(units=Sum("products__order_items__quantity")).values_list("name", "units")
    )
    width, height, margin = CHART_WIDTH, CHART_HEIGHT, 200
    # CONTROL (not a leak): a large transient allocation. The raw bitmap (36 MB) lives only while the chart
    # is drawn and encoded; it is freed when the function returns (a buffer this size is handed straight back
    # to the operating system), so memory jumps during the request and falls back after it.
    pixels = bytearray(b"\xff\xff\xff") * (width * height)  # CONTROL (transient allocation)
    stride = width * 3
    tallest = max((u or 0 for u in units.values()), default=0) or 1
    slot = (width - 2 * margin) // max(len(units), 1)
    for index, (name, count) in enumerate(sorted(units.items())):
        bar_height = (height - 2 * margin) * (count or 0) // tallest
        left = margin + index * slot + slot // 8
        right = margin + (index + 1) * slot - slot // 8
        color = _PALETTE[index % len(_PALETTE)] * (right - left)
        for row in range(height - margin - bar_height, height - margin):
            pixels[row * stride + left * 3 : row * stride + right * 3] = color
    axis = b"\x20\x20\x20" * (width - 2 * margin)
    for row in range(height - margin, height - margin + 6):
        pixels[row * stride + margin * 3 : row * stride + (width - margin) * 3] = axis
    png = _encode_png(pixels, width, height)
    del pixels
    return png


def _encode_png(pixels: bytearray, width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(6)
    view, stride, parts = memoryview(pixels), width * 3, []
    for row in range(height):
        parts.append(compressor.compress(b"\x00"))  # filter type 0 (none) for each scanline
        parts.append(compressor.compress(view[row * stride : (row + 1) * stride]))
    parts.append(compressor.flush())
    view.release()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def sales_stats() -> list[dict]:
    """Units sold, revenue and last order date per product, one category at a time."""
    rows = []
    # CONTROL (not a leak): an N+1 query pattern, ~150 queries per request. Slow, but with DEBUG off Django
    # keeps no query log, and every row is dropped when the response is done.
    for category in Category.objects.all():  # CONTROL (query-heavy page)
        for product in category.products.all():
            items = OrderItem.objects.filter(product=product)
            totals = items.aggregate(units=Sum("quantity"))
            last_order = items.order_by("-order__created_at").values_list("order__created_at", flat=True).first()
            revenue = sum(item.quantity * item.unit_price for item in items)
            rows.append(
                {
                    "category": category.name,
                    "product": product.name,
                    "units": totals["units"] or 0,
                    "revenue": revenue,
                    "last_order": last_order,
                }
            )
    return rows
