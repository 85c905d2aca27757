// A start command is an argv (exec form). The form shows it as one line; these convert
// between the two with shell-like quoting, so `python -m flask run --host "0.0.0.0"` works.

/** Split a command line into argv. Throws on an unterminated quote. */
export function parseArgv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) out.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inArg) out.push(cur);
  return out;
}

/** Join argv into one line that parseArgv turns back into the same argv. */
export function formatArgv(argv: string[]): string {
  return argv
    .map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`))
    .join(' ');
}
