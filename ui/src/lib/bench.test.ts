import { describe, expect, it } from 'vitest';
import type { PlanEdits } from './bindings/PlanEdits';
import type { BenchEvent } from './bindings/BenchEvent';
import type { BenchReport } from './bindings/BenchReport';
import type { BenchFigures as Figures } from './bindings/BenchFigures';
import type { BenchApi } from './ipc';
import { BenchState, chartRows, formatValue, parseRequests, whyNot } from './bench.svelte';

const ROOT = '/projects/flask';

function figures(over: Partial<Figures> = {}): Figures {
  return {
    startup_ms: 400,
    latency: { p50_ms: 1.5, p95_ms: 2.5, p99_ms: 4, mean_ms: 1.7, max_ms: 5 },
    answered: 200,
    failed: 0,
    elapsed_ms: 400,
    throughput_rps: 500,
    memory_bytes: 40 * 1024 * 1024,
    tree: { processes: 2, rss_bytes: 40 * 1024 * 1024, pss_bytes: 30 * 1024 * 1024 },
    timed_out: false,
    ...over,
  };
}

function report(over: Partial<BenchReport> = {}): BenchReport {
  return {
    project: ROOT,
    stack: 'python',
    framework: 'flask',
    path: '/health',
    requests: 200,
    concurrency: 1,
    warmup: 5,
    native: {
      side: 'native',
      runtime: 'Python 3.11.7',
      command: ['gunicorn', '--bind', '127.0.0.1:8000', 'app:app'],
      url: 'http://127.0.0.1:8000/health',
      prepare_ms: 9000,
      outcome: { outcome: 'measured', figures: figures() },
    },
    container: {
      side: 'container',
      runtime: 'berth-flask-abc123:dev',
      command: ['gunicorn', '--bind', '0.0.0.0:8000', 'app:app'],
      url: 'http://127.0.0.1:8000/health',
      prepare_ms: 30000,
      outcome: {
        outcome: 'measured',
        figures: figures({ startup_ms: 1000, throughput_rps: 250, memory_bytes: 50 * 1024 * 1024, tree: null }),
      },
    },
    ratios: { startup: 2.5, p50: 1, p95: 1, p99: 1, throughput: 0.5, memory: 1.25 },
    notes: [],
    ...over,
  };
}

/** A BenchApi whose run is settled by the test; `stopped` counts stops. */
function fakeApi() {
  const calls: { root: string; requests: number; source: string; edits: unknown }[] = [];
  let emit: (e: BenchEvent) => void = () => {};
  let settle: { resolve: (r: BenchReport) => void; reject: (e: unknown) => void } | null = null;
  let stopped = 0;
  const api: BenchApi = {
    benchProject(root, requests, source, edits, onEvent) {
      calls.push({ root, requests, source, edits });
      emit = onEvent;
      const done = new Promise<BenchReport>((resolve, reject) => (settle = { resolve, reject }));
      return {
        done,
        stop: async () => {
          stopped++;
          settle?.reject({ kind: 'cancelled', message: 'cancelled' });
        },
      };
    },
  };
  return {
    api,
    calls,
    emit: (e: BenchEvent) => emit(e),
    resolve: (r: BenchReport) => settle?.resolve(r),
    reject: (e: unknown) => settle?.reject(e),
    stopped: () => stopped,
  };
}

describe('chart rows', () => {
  it('pairs both sides per metric with the ratio, memory in MiB', () => {
    const rows = chartRows(report());
    expect(rows.map((r) => r.metric)).toEqual(['startup', 'p50', 'p95', 'p99', 'throughput', 'memory']);
    expect(rows[0]).toMatchObject({ native: 400, container: 1000, ratio: 2.5, unit: 'ms' });
    expect(rows[4]).toMatchObject({ native: 500, container: 250, ratio: 0.5, higherIsBetter: true });
    expect(rows[5]).toMatchObject({ native: 40, container: 50, ratio: 1.25, unit: 'MiB' });
  });

  it('a side not measured has no values and says why', () => {
    const r = report({
      native: { ...report().native, outcome: { outcome: 'unsupported', reason: 'python3 is not installed' } },
      ratios: null,
    });
    const rows = chartRows(r);
    expect(rows.every((x) => x.native === null && x.ratio === null)).toBe(true);
    expect(rows[0]?.container).toBe(1000);
    expect(whyNot(r.native.outcome)).toBe('python3 is not installed');
    expect(whyNot({ outcome: 'failed', reason: 'pip failed', last_output: [] })).toBe('failed: pip failed');
    expect(whyNot(r.container.outcome)).toBeNull();
  });

  it('formats values by unit and checks the request count', () => {
    expect(formatValue(1.234, 'ms')).toBe('1.23 ms');
    expect(formatValue(412.4, 'ms')).toBe('412 ms');
    expect(formatValue(2500, 'ms')).toBe('2.50 s');
    expect(formatValue(812.6, 'req/s')).toBe('813 req/s');
    expect(formatValue(40.25, 'MiB')).toBe('40.3 MiB');
    expect(parseRequests('200')).toBe(200);
    expect(parseRequests(' 10000 ')).toBe(10000);
    expect(parseRequests('0')).toBeNull();
    expect(parseRequests('10001')).toBeNull();
    expect(parseRequests('2e2')).toBeNull();
  });
});

describe('BenchState', () => {
  it('builds what Run builds: the plan edits with the plan, none with the own files', async () => {
    const f = fakeApi();
    const bench = new BenchState(f.api);
    const edits = { port: 8000 } as unknown as PlanEdits;
    void bench.start(ROOT, 'plan', edits);
    await bench.cancel();
    void bench.start(ROOT, 'files', edits);
    expect(f.calls.map((c) => [c.source, c.edits])).toEqual([
      ['plan', edits],
      ['files', null],
    ]);
  });

  it('runs with the request count, folds progress, ends with the report', async () => {
    const f = fakeApi();
    const bench = new BenchState(f.api);
    bench.requests = 50;
    const started = bench.start(ROOT);
    expect(bench.phase).toBe('running');
    expect(f.calls).toEqual([{ root: ROOT, requests: 50, source: 'auto', edits: null }]);
    f.emit({ type: 'step', side: null, step: 'copying', message: 'copying the project' });
    f.emit({ type: 'step', side: 'container', step: 'measuring', message: '50 requests' });
    f.emit({ type: 'output', side: 'native', line: 'Collecting flask' });
    f.emit({ type: 'requests', side: 'container', done: 25, total: 50 });
    expect(bench.message).toBe('copying the project');
    expect(bench.container).toMatchObject({ step: 'measuring', done: 25, total: 50 });
    expect(bench.lines).toEqual(['native: Collecting flask']);
    f.emit({ type: 'finished', side: 'native', outcome: { outcome: 'unsupported', reason: 'no node' } });
    expect(bench.native.outcome).toEqual({ outcome: 'unsupported', reason: 'no node' });
    f.resolve(report());
    await started;
    expect(bench.phase).toBe('done');
    expect(bench.rows).toHaveLength(6);
    expect(bench.report?.ratios?.startup).toBe(2.5);
  });

  it('cancels through stop; a cancelled run is not an error', async () => {
    const f = fakeApi();
    const bench = new BenchState(f.api);
    const started = bench.start(ROOT);
    await bench.cancel();
    await started;
    expect(f.stopped()).toBe(1);
    expect(bench.phase).toBe('cancelled');
    expect(bench.error).toBeNull();
    // Nothing running: dispose stops nothing more.
    bench.dispose();
    expect(f.stopped()).toBe(1);
  });

  it('a failure keeps the error payload; a second start while running is ignored', async () => {
    const f = fakeApi();
    const bench = new BenchState(f.api);
    const started = bench.start(ROOT);
    await bench.start(ROOT);
    expect(f.calls).toHaveLength(1);
    f.reject({ kind: 'engine_unavailable', message: 'no engine answers' });
    await started;
    expect(bench.phase).toBe('failed');
    expect(bench.error).toEqual({ kind: 'engine_unavailable', message: 'no engine answers' });
  });

  it('a view closing mid-run cancels the benchmark', async () => {
    const f = fakeApi();
    const bench = new BenchState(f.api);
    const started = bench.start(ROOT);
    bench.dispose();
    await started;
    expect(f.stopped()).toBe(1);
    expect(bench.phase).toBe('cancelled');
  });
});
