import { describe, expect, it } from 'vitest';
import { splitLines } from './diff';

describe('splitLines', () => {
  it('ignores only the final newline', () => {
    expect(splitLines('a\n\n')).toEqual(['a', '']);
    expect(splitLines('')).toEqual(['']);
    expect(splitLines('a\nb')).toEqual(['a', 'b']);
  });
});
