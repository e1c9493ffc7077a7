import type { ChecklistItem } from '../../../../preload/contract.ts';

/** What the Fix card teaches about one checklist item: the same for every session. */
export interface FixGuide {
  title: string;
  /** One line under the title: the fix in a few words. */
  fix: string;
  /** Why it matters: two or three sentences of Django / CPython facts. */
  why: string;
  before: string;
  after: string;
}

export const FIX_GUIDES: Record<ChecklistItem, FixGuide> = {
  'clear-caches': {
    title: 'Clear caches',
    fix: 'Give every in-process cache a bound or an expiry, and a key that repeats.',
    why:
      'A module-level dict, list or lru_cache lives as long as the worker process, and Python never ' +
      'evicts anything from it for you: each key added and never removed stays until the worker exits. ' +
      'A cache needs a bound (functools.lru_cache(maxsize=…)) or an expiry (Django’s cache framework ' +
      'with a timeout); a key that is unique per request, like a timestamp, turns any memo into a leak.',
    before: `_FRAGMENTS = {}

def price_list(currency):
    key = (currency, timezone.now().isoformat())
    if key not in _FRAGMENTS:
        _FRAGMENTS[key] = render_prices(currency)
    return _FRAGMENTS[key]`,
    after: `from django.core.cache import cache

def price_list(currency):
    return cache.get_or_set(
        f"price-list:{currency}",
        lambda: render_prices(currency),
        timeout=60,
    )

# or in process:
# @functools.lru_cache(maxsize=128)`,
  },
  'close-db-connections': {
    title: 'Close database connections',
    fix: 'Close the connection when a background job is done; run jobs on a small pool.',
    why:
      'Django opens one database connection per thread, on that thread’s first query, and by default ' +
      'closes it when each request ends (close_old_connections on request_finished); threads you start ' +
      'yourself ' +
      'never get that signal. A thread that keeps running keeps its connection open, and threads started ' +
      'per request pile them up until the database refuses new ones.',
    before: `def subscribe(request):
    threading.Thread(target=watch_stock).start()
    return HttpResponse("subscribed")

def watch_stock():
    while True:
        check_low_stock()  # opens a connection
        time.sleep(600)`,
    after: `from django.db import (
    close_old_connections, connection)

jobs = ThreadPoolExecutor(max_workers=1)

def subscribe(request):
    jobs.submit(check_low_stock_once)
    return HttpResponse("subscribed")

def check_low_stock_once():
    close_old_connections()
    try:
        check_low_stock()
    finally:
        connection.close()`,
  },
  'destroy-session-data': {
    title: 'Destroy session data',
    fix: 'Trim what a session keeps, flush finished sessions, and clear expired ones.',
    why:
      'Django saves a session (a django_session row with the database backend) for every visitor whose ' +
      'session is modified, and deletes it only on request.session.flush() (logout does it) or when ' +
      '`manage.py clearsessions` removes expired rows; nothing runs that for you. Data kept per session ' +
      'key in the process outlives the session unless you drop it together with the session.',
    before: `_PANELS = {}

def product(request, pk):
    recent = request.session.get("recent", [])
    recent.append(pk)  # never trimmed
    request.session["recent"] = recent
    key = request.session.session_key
    _PANELS[key] = render_panel(recent)`,
    after: `def product(request, pk):
    recent = request.session.get("recent", [])
    request.session["recent"] = [pk, *recent][:10]

def checkout_done(request):
    request.session.flush()  # row deleted

# settings.py: SESSION_COOKIE_AGE = 24 * 3600
# cron: python manage.py clearsessions`,
  },
  'garbage-collection': {
    title: 'Let garbage collection run',
    fix: 'Keep the cyclic collector on (or collect regularly) and make back-links weak.',
    why:
      'CPython frees most objects by reference counting, but objects that refer to each other in a cycle ' +
      '(a parent listing its children, each child pointing back) are freed only by the cyclic garbage ' +
      'collector. With gc.disable(), a huge threshold, or only gc.collect(0) on the youngest generation, ' +
      'cycles that reached an older generation are never visited again and pile up.',
    before: `import gc
gc.disable()                  # "fewer pauses"

class Node:
    def __init__(self, parent=None):
        self.parent = parent  # child -> parent
        self.children = []    # parent -> child`,
    after: `import gc, weakref
gc.enable()  # or a periodic gc.collect()

class Node:
    def __init__(self, parent=None):
        self._parent = parent and weakref.ref(parent)
        self.children = []

    @property
    def parent(self):
        return self._parent and self._parent()`,
  },
  weakref: {
    title: 'Use weak references in registries',
    fix: 'Connect signal receivers weakly (the default), or disconnect them; use WeakSet in registries.',
    why:
      'A registry that holds its entries strongly keeps them, and all they reference, alive for as long as ' +
      'it lives: for a module-level signal, the whole process. Django’s Signal.connect() holds receivers ' +
      'weakly by default (weak=True; bound methods through weakref.WeakMethod), so weak=False keeps each ' +
      'receiver’s object alive until disconnect() is called.',
    before: `class Quote:
    def __init__(self, cart):
        self.prices = snapshot_prices(cart)
        prices_changed.connect(
            self.reprice, weak=False)`,
    after: `class Quote:
    def __init__(self, cart):
        self.prices = snapshot_prices(cart)
        # weak=True by default: no strong ref
        prices_changed.connect(self.reprice)

# your own registries
listeners = weakref.WeakSet()`,
  },
};
