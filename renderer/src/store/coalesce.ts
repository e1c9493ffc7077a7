/**
 * Wraps a refetch so ticks arriving while one is in flight cause exactly one more run afterwards,
 * never a pile of overlapping requests.
 */
export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async (): Promise<void> => {
    do {
      again = false;
      try {
        await run();
      } catch {
        // each caller's run() records its own error; a failed refetch must not stop the next one
      }
    } while (again);
    running = null;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
}

/** Runs `run` at most once every `ms`: calls in between fold into one at the end of the interval. */
export function throttle(run: () => void, ms: number): () => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      run();
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      run();
    }, wait);
  };
}
