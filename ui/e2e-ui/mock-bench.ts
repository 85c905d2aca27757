// The run card's benchmark in the fast UI test, answering like src-tauri/src/bench_commands.rs:
// progress over the real Channel, then a report shaped as `berth bench --json` prints it (the
// figures from a real run of tests/bench/flask). The test looks at the progress, then releases
// the end; `stop_stream` on the bench's channel cancels it, as the backend does.
import type { BenchEvent } from '../src/lib/bindings/BenchEvent';
import type { BenchFigures } from '../src/lib/bindings/BenchFigures';
import type { BenchReport } from '../src/lib/bindings/BenchReport';
import { send } from './mock-run';

const ROOT = '/projects/flask-redis';
const MIB = 1024 * 1024;

interface ChannelLike {
  id: number;
}

let pending: { channel: number; finish: () => void; cancel: () => void } | null = null;

export const benchControls = {
  /** Let the running benchmark finish with its report. */
  release: () => pending?.finish(),
  /** The native side has no runtime here (python3 not on PATH). */
  noPython: false,
};

function figures(over: Partial<BenchFigures>): BenchFigures {
  return {
    startup_ms: 285,
    latency: { p50_ms: 0.77, p95_ms: 4.97, p99_ms: 5.62, mean_ms: 1.4, max_ms: 6.1 },
    answered: 100,
    failed: 0,
    elapsed_ms: 145,
    throughput_rps: 687,
    memory_bytes: Math.round(37.6 * MIB),
    tree: { processes: 2, rss_bytes: Math.round(52.8 * MIB), pss_bytes: Math.round(37.6 * MIB) },
    timed_out: false,
    ...over,
  };
}

function report(requests: number): BenchReport {
  const native = figures({ answered: requests });
  const container = figures({
    answered: requests,
    startup_ms: 844,
    latency: { p50_ms: 1.35, p95_ms: 7.31, p99_ms: 9.55, mean_ms: 2.2, max_ms: 11 },
    throughput_rps: 443,
    memory_bytes: Math.round(29.5 * MIB),
    tree: null,
  });
  const nativeSide: BenchReport['native'] = benchControls.noPython
    ? {
        side: 'native',
        runtime: null,
        command: [],
        url: null,
        prepare_ms: null,
        outcome: {
          outcome: 'unsupported',
          reason:
            'python3 is not installed on this machine (not on PATH): install Python 3 with its venv module (python3, python3-venv) to measure the app natively; the container side is measured on its own',
        },
      }
    : {
        side: 'native',
        runtime: 'Python 3.11.7',
        command: ['gunicorn', '--bind', '127.0.0.1:5000', 'app:app'],
        url: 'http://127.0.0.1:5000/health',
        prepare_ms: 11320,
        outcome: { outcome: 'measured', figures: native },
      };
  return {
    project: ROOT,
    stack: 'python',
    framework: 'flask',
    path: '/health',
    requests,
    concurrency: 1,
    warmup: 5,
    native: nativeSide,
    container: {
      side: 'container',
      runtime: 'berth-flask-redis-e3c361:dev',
      command: ['gunicorn', '--bind', '0.0.0.0:5000', 'app:app'],
      url: 'http://127.0.0.1:5000/health',
      prepare_ms: 5930,
      outcome: { outcome: 'measured', figures: container },
    },
    ratios: benchControls.noPython
      ? null
      : { startup: 844 / 285, p50: 1.35 / 0.77, p95: 7.31 / 4.97, p99: 9.55 / 5.62, throughput: 443 / 687, memory: 29.5 / 37.6 },
    notes: [],
  };
}

/** Answers bench_project, and stop_stream for its channel; `handled` false for the rest. */
export function benchCommand(cmd: string, a: Record<string, unknown>): { handled: boolean; value?: unknown } {
  if (cmd === 'stop_stream' && pending && a.channel === pending.channel) {
    pending.cancel();
    return { handled: true, value: null };
  }
  if (cmd !== 'bench_project') return { handled: false };
  const ch = a.onEvent as ChannelLike;
  const requests = a.requests as number;
  const ev = (e: BenchEvent) => send(ch, e);
  ev({ type: 'step', side: null, step: 'copying', message: 'copying the project into a private folder' });
  ev({ type: 'step', side: 'container', step: 'preparing', message: 'building the image and starting it once' });
  ev({ type: 'output', side: 'container', line: 'step 1/9: FROM python:3.12-slim-bookworm AS build' });
  ev({ type: 'step', side: 'container', step: 'measuring', message: `${requests} requests to http://127.0.0.1:5000/health` });
  ev({ type: 'requests', side: 'container', done: Math.floor(requests / 2), total: requests });
  const value = new Promise((resolve, reject) => {
    pending = {
      channel: ch.id,
      finish: () => {
        const r = report(requests);
        ev({ type: 'requests', side: 'container', done: requests, total: requests });
        ev({ type: 'finished', side: 'container', outcome: r.container.outcome });
        ev({ type: 'finished', side: 'native', outcome: r.native.outcome });
        pending = null;
        resolve(r);
      },
      cancel: () => {
        pending = null;
        reject({ kind: 'cancelled', message: 'cancelled' });
      },
    };
  });
  return { handled: true, value };
}
