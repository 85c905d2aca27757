// A followed container log: lines arrive over a channel (ipc.ts), are kept in a bounded
// buffer, filtered by a search query and shown with auto-scroll that pauses while the user
// reads further up. Talks to the app only through `LogsApi`.
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { LogLine } from './bindings/LogLine';
import { toErrorPayload } from './ipc';
import type { LogFollow, LogsApi } from './ipc';
import { ansiToSpans, stripAnsi } from './ansi';
import type { Span } from './ansi';

/** Lines kept per log view; older ones are dropped first. */
export const MAX_LOG_LINES = 5000;

export interface ShownLine {
  /** Increases with every line received (a stable key across drops). */
  seq: number;
  stream: LogLine['stream'];
  timestamp: string | null;
  /** `HH:MM:SS.mmm` of the timestamp (UTC, as the engine stamps it). */
  time: string;
  spans: Span[];
  /** The text without escapes, lower case (what the filter searches). */
  search: string;
}

/** `2024-05-01T10:00:00.123456789Z` -> `10:00:00.123`. */
export function shortTime(timestamp: string | null): string {
  if (!timestamp) return '';
  const m = /T(\d\d:\d\d:\d\d)(?:\.(\d{1,3}))?/.exec(timestamp);
  if (!m) return timestamp;
  return `${m[1]}.${(m[2] ?? '').padEnd(3, '0')}`;
}

export function toShown(line: LogLine, seq: number): ShownLine {
  return {
    seq,
    stream: line.stream,
    timestamp: line.timestamp,
    time: shortTime(line.timestamp),
    spans: ansiToSpans(line.text),
    search: stripAnsi(line.text).toLowerCase(),
  };
}

/** The lines matching `query` (case-insensitive substring of the text; every word must match). */
export function filterLines(lines: ShownLine[], query: string): ShownLine[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return lines;
  return lines.filter((l) => words.every((w) => l.search.includes(w)));
}

export type LogsPhase = 'idle' | 'following' | 'ended' | 'failed';

export class LogsState {
  lines = $state<ShownLine[]>([]);
  query = $state('');
  phase = $state<LogsPhase>('idle');
  error = $state<ErrorPayload | null>(null);
  /** Scroll to new lines as they arrive; false while the user has scrolled up. */
  autoScroll = $state(true);
  /** Lines dropped from the front to stay within MAX_LOG_LINES. */
  dropped = $state(0);

  #api: LogsApi;
  #follow: LogFollow | null = null;
  #seq = 0;
  #max: number;

  constructor(api: LogsApi, max = MAX_LOG_LINES) {
    this.#api = api;
    this.#max = max;
  }

  get visible(): ShownLine[] {
    return filterLines(this.lines, this.query);
  }

  /** Start following `container` (stops a previous follow first). */
  start(container: string): void {
    this.stop();
    this.lines = [];
    this.dropped = 0;
    this.error = null;
    this.phase = 'following';
    const follow = this.#api.followLogs(container, (l) => this.push(l));
    this.#follow = follow;
    follow.done.then(
      () => {
        if (this.#follow === follow) this.phase = 'ended';
      },
      (e: unknown) => {
        if (this.#follow !== follow) return;
        this.error = toErrorPayload(e);
        this.phase = 'failed';
      },
    );
  }

  /** Stop following (the view closed or another container was chosen). */
  stop(): void {
    const f = this.#follow;
    this.#follow = null;
    if (f) void f.stop().catch(() => {});
    if (this.phase === 'following') this.phase = 'idle';
  }

  push(line: LogLine): void {
    const next = [...this.lines, toShown(line, this.#seq++)];
    const over = next.length - this.#max;
    if (over > 0) {
      next.splice(0, over);
      this.dropped += over;
    }
    this.lines = next;
  }

  /** The view was scrolled: follow new lines only while it is at the bottom. */
  scrolled(atBottom: boolean): void {
    this.autoScroll = atBottom;
  }
}
