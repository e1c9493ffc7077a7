"""The headlines API (used by the mobile app): replay protection with one cache entry per request nonce."""

from __future__ import annotations

import secrets

from django.core.cache import caches
from django.utils import timezone


def accept_nonce(request) -> bool:
    """False when this nonce was seen in the last five minutes (a replayed request)."""
    nonce = request.headers.get("X-Request-Nonce") or secrets.token_hex(16)
    fingerprint = {
        "seen_at": timezone.now().isoformat(timespec="microseconds"),
        "path": request.path,
        "client": (request.headers.get("User-Agent") or "unknown")[:120],
        "accept": (request.headers.get("Accept") or "*/*")[:120],
        "scopes": ["headlines:read", "sections:read"],
    }
    # CONTROL (not a leak): a unique key per request, but the "nonces" alias is a LocMemCache with MAX_ENTRIES
    # 300: when it is full, Django culls a third of it (the least recently used), so it fills within the first 300
    # requests and then stays between 200 and 300 entries.
    return caches["nonces"].add(f"nonce:{nonce}", fingerprint)  # CONTROL (LocMemCache at its MAX_ENTRIES)
