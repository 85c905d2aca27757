import { describe, expect, it } from 'vitest';
import { sideBySide, splitLines } from './diff';

describe('sideBySide', () => {
  it('pairs identical files line by line', () => {
    const rows = sideBySide('a\nb\n', 'a\nb\n');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'same']);
  });
  it('aligns a changed line next to its replacement', () => {
    const rows = sideBySide('FROM python:3.9\nUSER root\nCMD x\n', 'FROM python:3.12-slim\nUSER 10001\nCMD x\n');
    expect(rows).toEqual([
      { kind: 'change', left: 'FROM python:3.9', right: 'FROM python:3.12-slim', leftNo: 1, rightNo: 1 },
      { kind: 'change', left: 'USER root', right: 'USER 10001', leftNo: 2, rightNo: 2 },
      { kind: 'same', left: 'CMD x', right: 'CMD x', leftNo: 3, rightNo: 3 },
    ]);
  });
  it('shows pure additions and deletions with an empty side', () => {
    const rows = sideBySide('a\nc\n', 'a\nb\nc\nd\n');
    expect(rows.filter((r) => r.kind === 'change')).toEqual([
      { kind: 'change', left: null, right: 'b', leftNo: null, rightNo: 2 },
      { kind: 'change', left: null, right: 'd', leftNo: null, rightNo: 4 },
    ]);
    const gone = sideBySide('x\ny\n', 'y\n');
    expect(gone[0]).toEqual({ kind: 'change', left: 'x', right: null, leftNo: 1, rightNo: null });
  });
  it('ignores only the final newline', () => {
    expect(splitLines('a\n\n')).toEqual(['a', '']);
    expect(splitLines('')).toEqual(['']);
  });
});
