import { describe, expect, it } from 'vitest';
import { shortcutFor } from './shortcuts';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('shortcutFor', () => {
  it('maps Ctrl/Cmd+O and Ctrl/Cmd+S', () => {
    expect(shortcutFor(key('o', { ctrlKey: true }))).toBe('open');
    expect(shortcutFor(key('O', { metaKey: true }))).toBe('open');
    expect(shortcutFor(key('s', { ctrlKey: true }))).toBe('write');
  });
  it('ignores plain keys and other modifier combinations', () => {
    expect(shortcutFor(key('s'))).toBeNull();
    expect(shortcutFor(key('s', { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutFor(key('x', { ctrlKey: true }))).toBeNull();
  });
});
