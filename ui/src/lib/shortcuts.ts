// Keyboard shortcuts: Ctrl+O / Cmd+O choose a folder, Ctrl+S / Cmd+S write the files.
export type Shortcut = 'open' | 'write';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export function shortcutFor(e: KeyLike): Shortcut | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return null;
  switch (e.key.toLowerCase()) {
    case 'o':
      return 'open';
    case 's':
      return 'write';
    default:
      return null;
  }
}

/** The modifier's label on this platform. */
export function modKey(): string {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';
}
