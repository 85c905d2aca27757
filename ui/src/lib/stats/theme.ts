// Theme colours (app.css variables) for canvas drawing, read once per theme instead of one
// getComputedStyle per canvas per frame. The cache empties when the system theme changes.
const cache = new Map<string, string>();

if (typeof window !== 'undefined' && typeof window.matchMedia === 'function') {
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => cache.clear());
}

export function themeColor(name: string): string {
  let v = cache.get(name);
  if (v === undefined) {
    v = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888888';
    cache.set(name, v);
  }
  return v;
}
