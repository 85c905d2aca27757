// Sparklines without garbage and without needless repaints (tested in spark.test.ts). A
// sparkline's path is traced straight from its ring (no copies, no point arrays: the view
// redraws dozens of them every second), and a canvas whose picture would not change is not
// touched at all: every canvas drawn is repainted by WebKit, with the rest of the page
// between the changed rectangles when there are many (an idle container's flat line is a
// picture that does not change once its minute is full).
import { niceTop, sparkX, sparkY, type NumberRing } from './format';

/** The few path calls tracing needs (a CanvasRenderingContext2D has them). */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/** The geometry of a sparkline: `slots` values across `width`, `height` tall. */
export interface SparkBox {
  slots: number;
  width: number;
  height: number;
  pad?: number;
}

/** The y-axis top for a ring: its largest value rounded up (niceTop), at least `floor`. */
export function ringTop(ring: NumberRing, floor: number): number {
  return niceTop(ring.max(), floor);
}

/**
 * Trace the line through the ring's last `slots` values (oldest first, the newest at the
 * right edge) on `sink`; with `area`, close it down to the bottom edge for a fill. Returns how
 * many points were traced (nothing below two).
 */
export function traceSpark(sink: PathSink, ring: NumberRing, box: SparkBox, top: number, area = false): number {
  const n = Math.min(ring.length, box.slots);
  if (n < 2 || top <= 0) return 0;
  const from = ring.length - n;
  const pad = box.pad ?? 1;
  const x = (i: number) => sparkX(i, n, box.slots, box.width);
  const y = (i: number) => sparkY(ring.at(from + i), top, box.height, pad);
  if (area) {
    sink.moveTo(x(0), box.height);
    for (let i = 0; i < n; i++) sink.lineTo(x(i), y(i));
    sink.lineTo(x(n - 1), box.height);
  } else {
    sink.moveTo(x(0), y(0));
    for (let i = 1; i < n; i++) sink.lineTo(x(i), y(i));
  }
  return n;
}

/** Points closer than this (in CSS pixels) draw the same antialiased line. */
export const SAME_PIXEL = 1 / 32;

/**
 * What a canvas shows now: the heights of the points it was drawn with, its scale and its
 * style. `same` says whether drawing the ring again would give the same picture (the same
 * number of points at heights within SAME_PIXEL: a memory figure moving by a few KiB on a
 * 64 MiB scale is not a new picture); `remember` records a drawing.
 */
export class SparkMemo {
  private ys: Float64Array;
  private n = -1;
  private top = Number.NaN;
  private style = '';

  constructor(
    private box: SparkBox,
  ) {
    this.ys = new Float64Array(box.slots);
  }

  same(ring: NumberRing, top: number, style: string): boolean {
    const n = Math.min(ring.length, this.box.slots);
    if (this.n !== n || this.top !== top || this.style !== style) return false;
    const from = ring.length - n;
    for (let i = 0; i < n; i++) {
      if (!(Math.abs(this.y(ring, from + i, top) - (this.ys[i] as number)) < SAME_PIXEL)) return false;
    }
    return true;
  }

  remember(ring: NumberRing, top: number, style: string): void {
    const n = Math.min(ring.length, this.box.slots);
    const from = ring.length - n;
    for (let i = 0; i < n; i++) this.ys[i] = this.y(ring, from + i, top);
    this.n = n;
    this.top = top;
    this.style = style;
  }

  private y(ring: NumberRing, i: number, top: number): number {
    return top > 0 ? sparkY(ring.at(i), top, this.box.height, this.box.pad ?? 1) : 0;
  }
}
