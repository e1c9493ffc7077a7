"""Photo desk: the front-page picture, sampled from a raw full-resolution frame to make the homepage thumbnail."""

from __future__ import annotations

import hashlib

WIDTH, HEIGHT = 4200, 4000  # 16.8 megapixels, 3 bytes each: 50.4 MB
ROW = WIDTH * 3


def front_page_thumbnail(seed: int) -> dict:
    # CONTROL (not a leak): a 50 MB frame per request, dropped before the response leaves. malloc serves a buffer
    # that size with its own mmap (zeroed by the kernel, so allocating it is quick) and hands it straight back to
    # the operating system when it is freed: the heap jumps by 50 MB during the request and falls right back.
    frame = bytes(ROW * HEIGHT)  # CONTROL (50 MB transient)
    strips = [frame[y * ROW:y * ROW + ROW:12] for y in range(seed % 200, HEIGHT, 200)]  # 20 rows, every 4th pixel
    thumbnail = b"".join(strips)
    return {"width": WIDTH, "height": HEIGHT, "thumbnail_bytes": len(thumbnail),
            "thumbnail_sha1": hashlib.sha1(thumbnail).hexdigest()}
