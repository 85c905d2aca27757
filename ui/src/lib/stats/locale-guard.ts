// uPlot builds an Intl.NumberFormat from navigator.language when its module loads. WebKitGTK
// reports the POSIX locale as the language tag "C" when LANG is unset or C (as under Xvfb in
// CI), which Intl rejects with a RangeError, and the whole UI would fail to load. Imported
// before uPlot: if the tag is not one Intl accepts, navigator.language reads "en-US".
export function usableLanguage(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== 'undefined' && !usableLanguage(navigator.language)) {
  Object.defineProperty(navigator, 'language', { value: 'en-US', configurable: true });
}
