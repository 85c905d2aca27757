// ANSI escape sequences -> styled spans (pure). Log text is never put into innerHTML: the
// spans are rendered as text nodes with class names (no inline styles, so the CSP needs no
// 'unsafe-inline'). 256-colour and true-colour codes map to the nearest of the 16 colours.

export interface Span {
  text: string;
  /** Space-separated `ansi-*` classes (app.css); empty for plain text. */
  classes: string;
}

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

// The xterm 16-colour palette, for mapping 256/true colours to the nearest one.
const PALETTE: Array<[number, number, number]> = [
  [0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
  [127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
];

/** The nearest of the 16 colours to an RGB value. */
export function nearest16(r: number, g: number, b: number): number {
  let best = 0;
  let bestD = Infinity;
  PALETTE.forEach(([pr, pg, pb], i) => {
    const d = (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/** A 256-colour index as one of the 16. */
export function from256(n: number): number {
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return nearest16(v, v, v);
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return nearest16(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
}

/** Apply one SGR parameter list (the numbers between `ESC[` and `m`). */
function applySgr(style: Style, params: number[]): Style {
  const s = { ...style };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i] ?? 0;
    if (p === 0) Object.assign(s, PLAIN);
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = p - 30;
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8;
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = p - 40;
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8;
    else if (p === 49) s.bg = null;
    else if (p === 38 || p === 48) {
      const mode = params[i + 1];
      let colour: number | null = null;
      if (mode === 5 && params[i + 2] !== undefined) {
        colour = from256(params[i + 2] ?? 0);
        i += 2;
      } else if (mode === 2 && params.length >= i + 5) {
        colour = nearest16(params[i + 2] ?? 0, params[i + 3] ?? 0, params[i + 4] ?? 0);
        i += 4;
      } else {
        break; // malformed: ignore the rest
      }
      if (p === 38) s.fg = colour;
      else s.bg = colour;
    }
  }
  return s;
}

function classesOf(s: Style): string {
  const out: string[] = [];
  const fg = s.inverse ? s.bg : s.fg;
  const bg = s.inverse ? s.fg : s.bg;
  if (fg !== null) out.push(`ansi-fg-${fg}`);
  else if (s.inverse) out.push('ansi-fg-inverse');
  if (bg !== null) out.push(`ansi-bg-${bg}`);
  else if (s.inverse) out.push('ansi-bg-inverse');
  if (s.bold) out.push('ansi-bold');
  if (s.dim) out.push('ansi-dim');
  if (s.italic) out.push('ansi-italic');
  if (s.underline) out.push('ansi-underline');
  return out.join(' ');
}

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), and other two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

/** Split `text` into spans with the classes its SGR codes select; other escapes are dropped. */
export function ansiToSpans(text: string): Span[] {
  const spans: Span[] = [];
  let style: Style = PLAIN;
  let last = 0;
  const push = (chunk: string) => {
    if (chunk === '') return;
    const classes = classesOf(style);
    const prev = spans[spans.length - 1];
    if (prev && prev.classes === classes) prev.text += chunk;
    else spans.push({ text: chunk, classes });
  };
  for (const m of text.matchAll(ESCAPE)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm' && !(m[1] ?? '').includes('?')) {
      const params = (m[1] ?? '').split(';').filter((x) => x !== '').map((x) => Number.parseInt(x, 10));
      style = applySgr(style, params.map((n) => (Number.isNaN(n) ? 0 : n)));
    }
  }
  push(text.slice(last));
  return spans;
}

/** The text without any escape sequences (for search). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, '');
}
