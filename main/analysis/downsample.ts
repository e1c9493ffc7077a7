/** A series as parallel arrays, the shape plotly takes without copying. */
export interface Series {
  t: number[];
  v: number[];
}

/**
 * Min/max decimation: splits [from, to] into `buckets` equal spans and keeps, per span, the lowest and the
 * highest point in their time order, so spikes and dips survive at any zoom. Input must be sorted by time.
 */
export function minMaxBuckets(
  t: readonly number[],
  v: readonly number[],
  from: number,
  to: number,
  buckets: number,
): Series {
  const out: Series = { t: [], v: [] };
  if (t.length === 0 || !(to > from) || buckets < 1) return out;
  if (t.length <= buckets * 2) {
    for (let i = 0; i < t.length; i++) {
      if (t[i]! >= from && t[i]! <= to) {
        out.t.push(t[i]!);
        out.v.push(v[i]!);
      }
    }
    return out;
  }
  const width = (to - from) / buckets;
  let i = 0;
  while (i < t.length && t[i]! < from) i++;
  for (let b = 0; b < buckets && i < t.length; b++) {
    const end = b === buckets - 1 ? to : from + (b + 1) * width;
    let lo = -1;
    let hi = -1;
    for (; i < t.length && (t[i]! < end || (b === buckets - 1 && t[i]! <= end)); i++) {
      if (lo === -1 || v[i]! < v[lo]!) lo = i;
      if (hi === -1 || v[i]! > v[hi]!) hi = i;
    }
    if (lo === -1) continue;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out.t.push(t[first]!);
    out.v.push(v[first]!);
    if (second !== first) {
      out.t.push(t[second]!);
      out.v.push(v[second]!);
    }
  }
  return out;
}
