import { describe, expect, it } from 'vitest';
import { formatArgv, parseArgv } from './argv';

describe('parseArgv', () => {
  it('splits on whitespace', () => {
    expect(parseArgv('  gunicorn  -b 0.0.0.0:8000 app:app ')).toEqual([
      'gunicorn',
      '-b',
      '0.0.0.0:8000',
      'app:app',
    ]);
  });
  it('keeps quoted spaces and empty quoted args', () => {
    expect(parseArgv(`nginx -g 'daemon off;' ""`)).toEqual(['nginx', '-g', 'daemon off;', '']);
    expect(parseArgv('echo "a \\"b\\" c"')).toEqual(['echo', 'a "b" c']);
  });
  it('rejects an unterminated quote', () => {
    expect(() => parseArgv('echo "oops')).toThrow(/unterminated/);
  });
});

describe('formatArgv', () => {
  it('round-trips through parseArgv', () => {
    const cases = [
      ['python', '-m', 'flask', 'run', '--host', '0.0.0.0'],
      ['nginx', '-g', 'daemon off;'],
      ['sh', '-c', 'echo "$HOME" \\ done'],
      [''],
    ];
    for (const argv of cases) expect(parseArgv(formatArgv(argv))).toEqual(argv);
  });
  it('leaves plain words unquoted', () => {
    expect(formatArgv(['node', 'server.js'])).toBe('node server.js');
  });
});
