// Splitting a file into lines for display (the diff itself comes from the core: berth_core::diff).

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
