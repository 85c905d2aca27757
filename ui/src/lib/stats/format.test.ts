import { describe, expect, it } from 'vitest';
import { NumberRing, formatBytes, formatPercent, formatRate, niceMax, sparkPoints } from './format';

describe('formatting', () => {
  it('formats bytes, rates and percents', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20.0 MiB');
    expect(formatBytes(512 * 1024 ** 3)).toBe('512 GiB');
    expect(formatBytes(Number.NaN)).toBe('–');
    expect(formatRate(2048)).toBe('2.00 KiB/s');
    expect(formatPercent(12.345)).toBe('12.3%');
    expect(formatPercent(0.042)).toBe('0.04%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(null)).toBe('–');
  });
});

describe('sparkline scaling', () => {
  it('rounds the top up to 1/2/5 × 10^n and never below the floor', () => {
    expect(niceMax([], 100)).toBe(100);
    expect(niceMax([3, 40], 100)).toBe(100);
    expect(niceMax([130], 100)).toBe(200);
    expect(niceMax([199.9, 12], 100)).toBe(200);
    expect(niceMax([201], 100)).toBe(500);
    expect(niceMax([7_000_000], 1)).toBe(10_000_000);
    expect(niceMax([Number.NaN, 3], 1)).toBe(5);
  });

  it('places the newest value at the right edge, zero at the bottom, max at the top', () => {
    const pts = sparkPoints([0, 50, 100], 3, 100, 22, 100, 1);
    expect(pts).toEqual([
      [0, 21],
      [50, 11],
      [100, 1],
    ]);
  });

  it('keeps the last `slots` values and clamps out-of-range ones', () => {
    const pts = sparkPoints([5, 5, 200, -3], 3, 20, 10, 100, 0);
    expect(pts.map(([x]) => x)).toEqual([0, 10, 20]);
    expect(pts.map(([, y]) => y)).toEqual([9.5, 0, 10]);
    expect(sparkPoints([], 60, 100, 20, 100)).toEqual([]);
  });

  it('a short series starts part-way so time stays aligned to the right', () => {
    const pts = sparkPoints([1, 1], 5, 40, 10, 1, 0);
    expect(pts.map(([x]) => x)).toEqual([30, 40]);
  });
});

describe('NumberRing', () => {
  it('keeps the newest values, oldest first', () => {
    const r = new NumberRing(3);
    expect(r.values()).toEqual(new Float64Array());
    for (const v of [1, 2, 3, 4, 5]) r.push(v);
    expect(Array.from(r.values())).toEqual([3, 4, 5]);
    expect(r.length).toBe(3);
    expect(r.last()).toBe(5);
  });
});

describe('locale guard', () => {
  it('rejects the POSIX "C" tag WebKitGTK reports without a locale', async () => {
    const { usableLanguage } = await import('./locale-guard');
    expect(usableLanguage('C')).toBe(false);
    expect(usableLanguage(undefined)).toBe(false);
    expect(usableLanguage('en-US')).toBe(true);
    expect(usableLanguage('de')).toBe(true);
  });
});
