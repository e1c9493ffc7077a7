import type { ScanRequestDto } from '../../../../preload/contract.ts';

export const TOUR_STEPS = ['start', 'scan', 'diff', 'finding', 'action', 'effect', 'done'] as const;
export type TourStep = (typeof TOUR_STEPS)[number];

/**
 * assets/examples/leaky_shop/scenario.json, endpoints, order and request counts (quicker than discovery, which
 * warms every route up for longer). The renderer cannot read the file; a unit test keeps the two equal.
 */
export const DEMO_SCENARIO: ScanRequestDto = {
  endpoints: [
    { method: 'GET', path: '/', requests: 20 },
    { method: 'GET', path: '/cache/leak/', requests: 100 },
    { method: 'GET', path: '/db/leak/', requests: 100 },
    { method: 'GET', path: '/session/leak/', requests: 100 },
    { method: 'GET', path: '/gc/leak/', requests: 100 },
    { method: 'GET', path: '/weakref/leak/', requests: 100 },
    { method: 'GET', path: '/cache/bounded/', requests: 120 },
    { method: 'GET', path: '/report/transient/', requests: 10 },
    { method: 'GET', path: '/report/queries/', requests: 50 },
  ],
  cookies: 'fresh',
};

/** The leak the tour follows from verdict to fix. */
export const TOUR_ENDPOINT = { method: 'GET', path: '/cache/leak/' } as const;
export const TOUR_ITEM = 'clear-caches' as const;
export const TOUR_TARGET = 'shop.fragments._PRICE_LIST_FRAGMENTS';

export interface TourStepInfo {
  title: string;
  text: string;
  /** The button that runs the step for the user; null: a step to read, with Next. */
  doIt: string | null;
}

export const TOUR_TEXT: Record<TourStep, TourStepInfo> = {
  start: {
    title: 'Start the demo',
    text:
      'djleak launches a small Django shop with five planted leaks and a few harmless endpoints, with its ' +
      'probe injected: no file of the project is edited. The first run creates the demo’s virtualenv, ' +
      'which can take a minute.',
    doIt: 'Start the demo',
  },
  scan: {
    title: 'Scan it for leaks',
    text:
      'The scan sends each endpoint of the demo’s scenario rounds of requests and measures memory after a ' +
      'full garbage collection between rounds: memory that keeps growing per request is a leak. Each leak ' +
      'then gets a short traced window that finds the line that allocated it. This takes a minute or two.',
    doIt: 'Scan the demo',
  },
  diff: {
    title: 'Open a diff',
    text:
      'Around ~40 traced requests to /cache/leak/, djleak took a memory snapshot before and after and ' +
      'compared them. The growth is attributed to the line of the project that allocated it, and a ' +
      'referrer search names what keeps it alive.',
    doIt: 'Open the diff',
  },
  finding: {
    title: 'Open the finding',
    text:
      'The checklist ties every leaking endpoint to one of five fixes. The Clear caches card gathers the ' +
      'evidence from this session, explains why it matters in Django and shows the code to change.',
    doIt: 'Open the finding',
  },
  action: {
    title: 'Apply the action',
    text:
      'Clearing the module-level dict drops every memoised price list in the running app, measuring memory ' +
      'before and after. It is a stopgap that shows what the fix frees (the real fix is a bounded cache ' +
      'or a coarse key), and djleak asks first because it drops data.',
    doIt: 'Clear the cache',
  },
  effect: {
    title: 'See the effect',
    text:
      'The entries and the bytes they held are gone, and the heap in use falls by about as much. RSS may ' +
      'fall less, or not at all: freed memory often stays in the process’s allocator for the next requests ' +
      'to reuse, so the bytes freed and the heap are the figures to read. Request /cache/leak/ again and ' +
      'the dict grows back until the code is fixed.',
    doIt: null,
  },
  done: {
    title: 'Your turn',
    text:
      'On your own project: scan it, change the code the Fix card points at, tick Fixed, then Re-run this ' +
      'scan. djleak starts the project again, scans the same endpoints and shows before and after.',
    doIt: null,
  },
};
