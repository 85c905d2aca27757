import { describe, expect, it } from 'vitest';
import { NumberRing, niceMax, niceTop, sparkPoints } from './format';
import { SparkMemo, ringTop, traceSpark, type PathSink } from './spark';

/** Records the path calls as points. */
function recorder(): PathSink & { calls: Array<[string, number, number]> } {
  const calls: Array<[string, number, number]> = [];
  return {
    calls,
    moveTo: (x, y) => calls.push(['M', x, y]),
    lineTo: (x, y) => calls.push(['L', x, y]),
  };
}

function ring(capacity: number, values: number[]): NumberRing {
  const r = new NumberRing(capacity);
  for (const v of values) r.push(v);
  return r;
}

describe('tracing a sparkline from its ring', () => {
  it('traces the same points as sparkPoints, without copying the ring', () => {
    const values = [5, 5, 200, -3, 40, Number.NaN, 70];
    const r = ring(4, values);
    const box = { slots: 3, width: 20, height: 10, pad: 0 };
    const sink = recorder();
    expect(traceSpark(sink, r, box, 100)).toBe(3);
    const expected = sparkPoints(r.values(), 3, 20, 10, 100, 0);
    expect(sink.calls.map(([, x, y]) => [x, y])).toEqual(expected);
    expect(sink.calls.map(([op]) => op)).toEqual(['M', 'L', 'L']);
  });

  it('closes the area down to the bottom edge for the fill', () => {
    const sink = recorder();
    traceSpark(sink, ring(60, [0, 50, 100]), { slots: 3, width: 100, height: 22 }, 100, true);
    expect(sink.calls).toEqual([
      ['M', 0, 22],
      ['L', 0, 21],
      ['L', 50, 11],
      ['L', 100, 1],
      ['L', 100, 22],
    ]);
  });

  it('traces nothing below two values or without a scale', () => {
    const sink = recorder();
    expect(traceSpark(sink, ring(60, [3]), { slots: 60, width: 96, height: 24 }, 100)).toBe(0);
    expect(traceSpark(sink, ring(60, [3, 4]), { slots: 60, width: 96, height: 24 }, 0)).toBe(0);
    expect(sink.calls).toEqual([]);
  });

  it("scales to the ring's largest value as niceMax does", () => {
    for (const values of [[], [3, 40], [130, 2], [Number.NaN, 3], [7_000_000]]) {
      expect(ringTop(ring(60, values), 1)).toBe(niceMax(values, 1));
      expect(ringTop(ring(60, values), 100)).toBe(niceMax(values, 100));
    }
    expect(niceTop(201, 100)).toBe(500);
  });
});

describe('a sparkline redraws only when its picture changes', () => {
  const box = { slots: 4, width: 96, height: 24 };

  it('a full ring of one value shifting by one sample is the same picture', () => {
    const r = ring(4, [7, 7, 7, 7]);
    const memo = new SparkMemo(box);
    expect(memo.same(r, 100, 'red')).toBe(false);
    memo.remember(r, 100, 'red');
    r.push(7);
    expect(memo.same(r, 100, 'red')).toBe(true);
    r.push(8);
    expect(memo.same(r, 100, 'red'), 'a new value').toBe(false);
  });

  it('a change far below a pixel is the same picture', () => {
    const mib = 1024 * 1024;
    const r = ring(4, [10 * mib, 10 * mib, 10 * mib, 10 * mib]);
    const memo = new SparkMemo(box);
    memo.remember(r, 64 * mib, '');
    r.push(10 * mib + 4096);
    expect(memo.same(r, 64 * mib, ''), '4 KiB on a 64 MiB scale').toBe(true);
    r.push(11 * mib);
    expect(memo.same(r, 64 * mib, ''), '1 MiB on a 64 MiB scale: a third of a pixel').toBe(false);
  });

  it('a growing ring, a new scale or a new colour is a new picture', () => {
    const r = ring(4, [1, 1]);
    const memo = new SparkMemo(box);
    memo.remember(r, 100, 'red');
    expect(memo.same(r, 100, 'red')).toBe(true);
    expect(memo.same(r, 200, 'red')).toBe(false);
    expect(memo.same(r, 100, 'blue')).toBe(false);
    r.push(1);
    expect(memo.same(r, 100, 'red'), 'one more point: a longer line').toBe(false);
  });

  it('a shifted series of different values is a new picture', () => {
    const r = ring(3, [10, 20, 30]);
    const memo = new SparkMemo({ ...box, slots: 3 });
    memo.remember(r, 100, '');
    r.push(30);
    expect(memo.same(r, 100, '')).toBe(false);
  });

  it('a cleared ring (refilled from history) is a new picture', () => {
    const r = ring(3, [0, 0, 0]);
    const memo = new SparkMemo(box);
    memo.remember(r, 100, '');
    r.clear();
    expect(memo.same(r, 100, '')).toBe(false);
  });
});
