// Side-by-side line diff of an existing file and the generated one (small files: LCS).

export type Row =
  | { kind: 'same'; left: string; right: string; leftNo: number; rightNo: number }
  | { kind: 'change'; left: string | null; right: string | null; leftNo: number | null; rightNo: number | null };

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Rows pairing the lines of `before` and `after`; changed runs are aligned side by side. */
export function sideBySide(before: string, after: string): Row[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const rows: Row[] = [];
  let dels: number[] = [];
  let adds: number[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
      const l = dels[k];
      const r = adds[k];
      rows.push({
        kind: 'change',
        left: l === undefined ? null : (a[l] as string),
        right: r === undefined ? null : (b[r] as string),
        leftNo: l === undefined ? null : l + 1,
        rightNo: r === undefined ? null : r + 1,
      });
    }
    dels = [];
    adds = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({ kind: 'same', left: a[i] as string, right: b[j] as string, leftNo: i + 1, rightNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i] as number[])[j + 1]! >= (lcs[i + 1] as number[])[j]!)) {
      adds.push(j++);
    } else {
      dels.push(i++);
    }
  }
  flush();
  return rows;
}
