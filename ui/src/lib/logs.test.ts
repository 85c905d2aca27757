import { describe, expect, it } from 'vitest';
import type { LogLine } from './bindings/LogLine';
import type { LogFollow, LogsApi } from './ipc';
import { filterLines, LogsState, shortTime, toShown } from './logs.svelte';

const line = (text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  stream,
  timestamp: '2026-11-27T03:30:01.123456789Z',
  text,
});

/** A follow the test drives: lines are pushed by hand, `end`/`fail` settle it. */
function fakeApi() {
  const follows: Array<{ container: string; onLine: (l: LogLine) => void; stopped: boolean; end: () => void; fail: (e: unknown) => void }> = [];
  const api: LogsApi = {
    followLogs(container, onLine): LogFollow {
      let end!: () => void;
      let fail!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        end = res;
        fail = rej;
      });
      const f = { container, onLine, stopped: false, end, fail };
      follows.push(f);
      return {
        done,
        stop: async () => {
          f.stopped = true;
          end();
        },
      };
    },
  };
  return { api, follows };
}

describe('shortTime', () => {
  it('shows the time of day with milliseconds', () => {
    expect(shortTime('2026-11-27T03:30:01.123456789Z')).toBe('03:30:01.123');
    expect(shortTime('2026-11-27T03:30:01Z')).toBe('03:30:01.000');
    expect(shortTime(null)).toBe('');
  });
});

describe('filterLines', () => {
  const lines = ['GET /health 200', '\x1b[31mERROR\x1b[0m db down', 'GET /index 404'].map((t, i) => toShown(line(t), i));

  it('matches case-insensitively on the text without escapes', () => {
    expect(filterLines(lines, 'error').map((l) => l.seq)).toEqual([1]);
    expect(filterLines(lines, '31m')).toEqual([]);
  });

  it('needs every word, and an empty query keeps all', () => {
    expect(filterLines(lines, 'get 404').map((l) => l.seq)).toEqual([2]);
    expect(filterLines(lines, '  ')).toHaveLength(3);
  });
});

describe('LogsState', () => {
  it('follows a container, keeps at most the bounded number of lines, and stops', async () => {
    const { api, follows } = fakeApi();
    const logs = new LogsState(api, 3);
    logs.start('web');
    expect(logs.phase).toBe('following');
    const f = follows[0]!;
    for (const t of ['a', 'b', 'c', 'd', 'e']) f.onLine(line(t));
    expect(logs.lines.map((l) => l.spans[0]?.text)).toEqual(['c', 'd', 'e']);
    expect(logs.dropped).toBe(2);
    logs.query = 'd';
    expect(logs.visible.map((l) => l.spans[0]?.text)).toEqual(['d']);
    logs.stop();
    expect(f.stopped).toBe(true);
    expect(logs.phase).toBe('idle');
  });

  it('reports the end of the log and a failure', async () => {
    const { api, follows } = fakeApi();
    const logs = new LogsState(api);
    logs.start('web');
    follows[0]!.end();
    await Promise.resolve();
    await Promise.resolve();
    expect(logs.phase).toBe('ended');
    logs.start('gone');
    expect(follows[0]!.stopped).toBe(true);
    follows[1]!.fail({ kind: 'not_found', message: 'container gone: no such file or folder' });
    await new Promise((r) => setTimeout(r, 0));
    expect(logs.phase).toBe('failed');
    expect(logs.error?.kind).toBe('not_found');
  });

  it('a stopped follow that ends later does not change the state', async () => {
    const { api, follows } = fakeApi();
    const logs = new LogsState(api);
    logs.start('one');
    logs.start('two');
    follows[0]!.end();
    await new Promise((r) => setTimeout(r, 0));
    expect(logs.phase).toBe('following');
  });

  it('auto-scroll pauses when the user scrolls up and resumes at the bottom', () => {
    const logs = new LogsState(fakeApi().api);
    expect(logs.autoScroll).toBe(true);
    logs.scrolled(false);
    expect(logs.autoScroll).toBe(false);
    logs.scrolled(true);
    expect(logs.autoScroll).toBe(true);
  });
});
