import { describe, expect, it } from 'vitest';
import { ansiToSpans, from256, nearest16, stripAnsi } from './ansi';

describe('ansiToSpans', () => {
  it('keeps plain text as one unstyled span', () => {
    expect(ansiToSpans('hello world')).toEqual([{ text: 'hello world', classes: '' }]);
  });

  it('maps SGR colours, bold and reset to classes', () => {
    expect(ansiToSpans('\x1b[1;31mERROR\x1b[0m done')).toEqual([
      { text: 'ERROR', classes: 'ansi-fg-1 ansi-bold' },
      { text: ' done', classes: '' },
    ]);
    expect(ansiToSpans('\x1b[32mok\x1b[39m \x1b[44mbg\x1b[49m')).toEqual([
      { text: 'ok', classes: 'ansi-fg-2' },
      { text: ' ', classes: '' },
      { text: 'bg', classes: 'ansi-bg-4' },
    ]);
  });

  it('handles bright, 256 and true colours as the nearest of 16', () => {
    expect(ansiToSpans('\x1b[93mx')).toEqual([{ text: 'x', classes: 'ansi-fg-11' }]);
    expect(ansiToSpans('\x1b[38;5;196mx')).toEqual([{ text: 'x', classes: 'ansi-fg-9' }]);
    expect(ansiToSpans('\x1b[38;2;0;200;0mx')).toEqual([{ text: 'x', classes: 'ansi-fg-2' }]);
    expect(ansiToSpans('\x1b[48;5;4mx')).toEqual([{ text: 'x', classes: 'ansi-bg-4' }]);
  });

  it('an empty SGR resets, and styles carry until changed', () => {
    expect(ansiToSpans('\x1b[4;33ma\x1b[24mb\x1b[mc')).toEqual([
      { text: 'a', classes: 'ansi-fg-3 ansi-underline' },
      { text: 'b', classes: 'ansi-fg-3' },
      { text: 'c', classes: '' },
    ]);
  });

  it('drops cursor, erase and OSC sequences and never produces markup', () => {
    const spans = ansiToSpans('\x1b[2K\x1b[1Gline\x1b]0;title\x07 <b>&amp;</b>\x1b[?25l');
    expect(spans).toEqual([{ text: 'line <b>&amp;</b>', classes: '' }]);
  });

  it('ignores malformed extended colours without throwing', () => {
    expect(ansiToSpans('\x1b[38;5mx')).toEqual([{ text: 'x', classes: '' }]);
    expect(ansiToSpans('\x1b[38;2;1mx')).toEqual([{ text: 'x', classes: '' }]);
  });

  it('inverse swaps foreground and background', () => {
    expect(ansiToSpans('\x1b[7;31mx')).toEqual([{ text: 'x', classes: 'ansi-fg-inverse ansi-bg-1' }]);
  });
});

describe('colour mapping', () => {
  it('maps grey ramps and cubes', () => {
    expect(from256(1)).toBe(1);
    expect(from256(232)).toBe(0);
    expect(from256(255)).toBe(7);
    expect(from256(21)).toBe(4);
    expect(nearest16(255, 255, 255)).toBe(15);
  });
});

describe('stripAnsi', () => {
  it('leaves only the text', () => {
    expect(stripAnsi('\x1b[1;31mERROR\x1b[0m: \x1b]8;;http://x\x1b\\link')).toBe('ERROR: link');
  });
});
