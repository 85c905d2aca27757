// The run card's benchmark: the opened folder natively and in its container (`berth bench`),
// its progress, then the figures side by side as chart rows. Talks to the app only through
// `BenchApi`; a benchmark still running when its view closes is cancelled (`dispose`).
import type { BenchEvent } from './bindings/BenchEvent';
import type { BenchReport } from './bindings/BenchReport';
import type { BenchStep } from './bindings/BenchStep';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { BenchFigures as Figures } from './bindings/BenchFigures';
import type { BenchOutcome as Outcome } from './bindings/BenchOutcome';
import type { BenchSide as Side } from './bindings/BenchSide';
import type { BenchApi, BenchRun } from './ipc';
import type { PlanEdits } from './bindings/PlanEdits';
import type { Source } from './bindings/Source';
import { toErrorPayload } from './ipc';

export type BenchPhase = 'idle' | 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled';

/** Requests per side: the backend accepts 1..10000. */
export const MIN_REQUESTS = 1;
export const MAX_REQUESTS = 10_000;
/** Output lines kept for the progress view. */
export const MAX_LINES = 200;

/** One metric of the chart: both sides' values (null: not measured) and the ratio. */
export interface ChartRow {
  metric: 'startup' | 'p50' | 'p95' | 'p99' | 'throughput' | 'memory';
  label: string;
  unit: 'ms' | 'req/s' | 'MiB';
  native: number | null;
  container: number | null;
  /** container / native. */
  ratio: number | null;
  /** Higher is better (throughput); else lower is. */
  higherIsBetter: boolean;
}

const MIB = 1024 * 1024;

/** The chart's rows for a report (pure). */
export function chartRows(r: BenchReport): ChartRow[] {
  const n = figures(r.native.outcome);
  const c = figures(r.container.outcome);
  const q = r.ratios;
  const row = (
    metric: ChartRow['metric'],
    label: string,
    unit: ChartRow['unit'],
    of: (f: Figures) => number,
    ratio: number | null | undefined,
    higherIsBetter = false,
  ): ChartRow => ({
    metric,
    label,
    unit,
    native: n ? of(n) : null,
    container: c ? of(c) : null,
    ratio: ratio ?? null,
    higherIsBetter,
  });
  return [
    row('startup', 'Start-up', 'ms', (f) => f.startup_ms, q?.startup),
    row('p50', 'Latency p50', 'ms', (f) => f.latency.p50_ms, q?.p50),
    row('p95', 'Latency p95', 'ms', (f) => f.latency.p95_ms, q?.p95),
    row('p99', 'Latency p99', 'ms', (f) => f.latency.p99_ms, q?.p99),
    row('throughput', 'Throughput', 'req/s', (f) => f.throughput_rps, q?.throughput, true),
    row('memory', 'Memory', 'MiB', (f) => f.memory_bytes / MIB, q?.memory),
  ];
}

export function figures(o: Outcome): Figures | null {
  return o.outcome === 'measured' ? o.figures : null;
}

/** Why a side has no figures, or null when it has (pure). */
export function whyNot(o: Outcome): string | null {
  switch (o.outcome) {
    case 'measured':
      return null;
    case 'failed':
      return `failed: ${o.reason}`;
    default:
      return o.reason;
  }
}

/** A value as the chart labels it (pure). */
export function formatValue(v: number, unit: ChartRow['unit']): string {
  if (unit === 'ms') return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(2)} ms`;
  if (unit === 'req/s') return `${v.toFixed(0)} req/s`;
  return `${v.toFixed(1)} MiB`;
}

/** A bench request count typed in the field: 1..10000, or null (pure). */
export function parseRequests(raw: string): number | null {
  if (!/^\d+$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return n >= MIN_REQUESTS && n <= MAX_REQUESTS ? n : null;
}

export interface SideProgress {
  step: BenchStep | null;
  message: string;
  done: number;
  total: number;
  outcome: Outcome | null;
}

function emptySide(): SideProgress {
  return { step: null, message: '', done: 0, total: 0, outcome: null };
}

export class BenchState {
  phase = $state<BenchPhase>('idle');
  requests = $state(200);
  /** The latest step without a side (copying, removing the copy). */
  message = $state('');
  native = $state<SideProgress>(emptySide());
  container = $state<SideProgress>(emptySide());
  lines = $state<string[]>([]);
  report = $state<BenchReport | null>(null);
  error = $state<ErrorPayload | null>(null);
  rows = $derived(this.report ? chartRows(this.report) : []);
  #run: BenchRun | null = null;

  constructor(readonly api: BenchApi) {}

  get running(): boolean {
    return this.phase === 'running' || this.phase === 'cancelling';
  }

  /** Fold one progress event into the state. */
  onEvent(e: BenchEvent): void {
    const side = (s: Side) => (s === 'native' ? this.native : this.container);
    switch (e.type) {
      case 'step':
        if (e.side) Object.assign(side(e.side), { step: e.step, message: e.message });
        else this.message = e.message;
        break;
      case 'output':
        this.lines = [...this.lines, `${e.side}: ${e.line}`].slice(-MAX_LINES);
        break;
      case 'requests':
        Object.assign(side(e.side), { done: e.done, total: e.total });
        break;
      case 'finished':
        side(e.side).outcome = e.outcome;
        break;
    }
  }

  /** Measure `root` built from `source` (the plan `edits` only with `plan`, as a deploy). */
  async start(root: string, source: Source = 'auto', edits: PlanEdits | null = null): Promise<void> {
    if (this.running) return;
    this.phase = 'running';
    this.report = null;
    this.error = null;
    this.message = '';
    this.lines = [];
    this.native = emptySide();
    this.container = emptySide();
    const run = this.api.benchProject(root, this.requests, source, source === 'plan' ? edits : null, (e) => this.onEvent(e));
    this.#run = run;
    try {
      this.report = await run.done;
      this.phase = 'done';
    } catch (e) {
      const err = toErrorPayload(e);
      if (err.kind === 'cancelled') {
        this.phase = 'cancelled';
      } else {
        this.error = err;
        this.phase = 'failed';
      }
    } finally {
      if (this.#run === run) this.#run = null;
    }
  }

  /** Cancel the running benchmark (what it started is removed by the backend). */
  async cancel(): Promise<void> {
    const run = this.#run;
    if (!run || this.phase !== 'running') return;
    this.phase = 'cancelling';
    await run.stop();
  }

  /** The view closed: a running benchmark is cancelled. */
  dispose(): void {
    void this.cancel().catch(() => {});
  }
}
