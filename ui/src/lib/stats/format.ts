// Pure formatting and scaling for the containers view (unit-tested in format.test.ts).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5 KiB"; three significant digits at most. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[i]}`;
}

/** Bytes per second: "1.5 KiB/s". */
export function formatRate(bps: number): string {
  return `${formatBytes(bps)}/s`;
}

/** CPU or memory percent: "12.3%", "0.04%" below 0.1, "–" when unknown. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p > 0 && p < 0.1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(1)}%`;
}

/** The y-axis top of a sparkline: at least `floor`, else the data's max rounded up to 1/2/5×10^n. */
export function niceMax(values: ArrayLike<number>, floor: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && v > max) max = v;
  }
  return niceTop(max, floor);
}

/** `max` rounded up to 1/2/5×10^n, and at least `floor` (see niceMax). */
export function niceTop(max: number, floor: number): number {
  if (max <= floor) return floor;
  const mag = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (max <= m * mag) return m * mag;
  return 10 * mag;
}

/**
 * Canvas points of a sparkline: `values` (oldest first) spread over `slots` columns ending
 * at the right edge, y = 0 at the bottom, `max` at the top (with `pad` pixels).
 */
export function sparkPoints(
  values: ArrayLike<number>,
  slots: number,
  width: number,
  height: number,
  max: number,
  pad = 1,
): Array<[number, number]> {
  const n = Math.min(values.length, slots);
  if (n === 0 || max <= 0) return [];
  const start = values.length - n;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    out.push([sparkX(i, n, slots, width), sparkY(values[start + i] as number, max, height, pad)]);
  }
  return out;
}

/** The x of the `i`th of `n` values (oldest first) when `slots` columns span `width`. */
export function sparkX(i: number, n: number, slots: number, width: number): number {
  const step = slots > 1 ? width / (slots - 1) : 0;
  return width - (n - 1 - i) * step;
}

/** The y of `raw` (clamped to 0..max; not a number counts as 0), `pad` pixels from the edges. */
export function sparkY(raw: number, max: number, height: number, pad = 1): number {
  const v = Number.isFinite(raw) ? Math.max(0, Math.min(raw, max)) : 0;
  return height - pad - (v / max) * (height - 2 * pad);
}

/** A fixed-size ring of numbers (oldest dropped first); `values()` is oldest first. */
export class NumberRing {
  private buf: Float64Array;
  private start = 0;
  length = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }

  push(v: number): void {
    const cap = this.buf.length;
    if (this.length < cap) {
      this.buf[(this.start + this.length) % cap] = v;
      this.length++;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % cap;
    }
  }

  clear(): void {
    this.start = 0;
    this.length = 0;
  }

  values(): Float64Array {
    const out = new Float64Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.buf[(this.start + i) % this.buf.length] as number;
    return out;
  }

  /** The `i`th value, oldest first (`0 <= i < length`). */
  at(i: number): number {
    return this.buf[(this.start + i) % this.buf.length] as number;
  }

  /** The largest finite value, or 0 (what niceMax reads, without a copy). */
  max(): number {
    let max = 0;
    for (let i = 0; i < this.length; i++) {
      const v = this.at(i);
      if (Number.isFinite(v) && v > max) max = v;
    }
    return max;
  }

  last(): number | undefined {
    return this.length ? this.buf[(this.start + this.length - 1) % this.buf.length] : undefined;
  }
}
