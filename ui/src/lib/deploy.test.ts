import { describe, expect, it } from 'vitest';
import type { DeployEvent } from './bindings/DeployEvent';
import type { DeployRecord } from './bindings/DeployRecord';
import type { DeployReport } from './bindings/DeployReport';
import type { Environment } from './bindings/Environment';
import type { PlanEdits } from './bindings/PlanEdits';
import type { Source } from './bindings/Source';
import type { DeployApi, DeployRequest } from './ipc';
import { DeployState, OTHER, outcomeLabel, parseEngine } from './deploy.svelte';

const ROOT = '/projects/web';
const EDITS: PlanEdits = {
  port: 7000,
  builder_image: null,
  runtime_image: 'python:3.12-slim',
  start_command: ['gunicorn', 'app:app'],
  health_path: '/health',
  services: [],
};

function report(over: Partial<DeployReport> = {}): DeployReport {
  return {
    version: 'abc1234',
    engine: 'unix:///var/run/docker.sock',
    env: 'prod',
    validated: [
      { name: 'app', ok: true, detail: "Berth's plan" },
      { name: 'check', ok: true, detail: 'no finding at or above high (2 below)' },
    ],
    outcome: 'deployed',
    url: 'http://127.0.0.1:7000',
    previous: null,
    reason: null,
    image: 'berth-web-1:abc1234',
    container: 'berth-web-1-prod-abc1234',
    host_port: 7000,
    last_logs: [],
    notes: [],
    ...over,
  };
}

function record(version: string, outcome: DeployRecord['outcome'], env: Environment = 'prod'): DeployRecord {
  return {
    version,
    image: `berth-web-1:${version}`,
    env,
    engine: 'unix:///var/run/docker.sock',
    at: '2026-12-01T04:00:00Z',
    action: 'deploy',
    outcome,
    host_port: 7000,
    container_port: 8000,
    reason: null,
  };
}

/** A DeployApi whose deploy the test finishes by hand, after sending events. */
function fakeApi() {
  const calls: Array<[string, unknown[]]> = [];
  const requests: DeployRequest[] = [];
  let history: DeployRecord[] = [];
  let finish: ((r: DeployReport) => void) | null = null;
  let fail: ((e: unknown) => void) | null = null;
  let send: ((e: DeployEvent) => void) | null = null;
  const api: DeployApi = {
    targets: async () => [
      { engine: null, label: 'this engine (well-known socket (Docker Engine))', address: 'unix:///var/run/docker.sock' },
      { engine: 'remote', label: 'context remote', address: 'tcp://10.0.0.2:2376' },
    ],
    deploy(root, req, onEvent) {
      calls.push(['deploy', [root]]);
      requests.push(req);
      send = onEvent;
      return new Promise((res, rej) => {
        finish = res;
        fail = rej;
      });
    },
    cancel: async (root) => {
      calls.push(['cancel', [root]]);
      fail?.({ kind: 'cancelled', message: 'cancelled' });
      return true;
    },
    rollback: async (root, env, engine, onEvent) => {
      calls.push(['rollback', [root, env, engine]]);
      onEvent({ type: 'step', message: 'old1 is healthy' });
      if (history.filter((h) => h.outcome === 'deployed').length < 2) {
        throw { kind: 'invalid_input', message: 'no earlier healthy prod deployment' };
      }
      return report({ version: 'old1', previous: 'abc1234' });
    },
    history: async (root) => {
      calls.push(['history', [root]]);
      return history;
    },
    openUrl: async (url) => {
      calls.push(['openUrl', [url]]);
    },
  };
  return {
    api,
    calls,
    requests,
    setHistory: (h: DeployRecord[]) => (history = h),
    send: (e: DeployEvent) => send?.(e),
    finish: (r: DeployReport) => finish?.(r),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function attached(f: ReturnType<typeof fakeApi>, source: Source = 'plan') {
  const d = new DeployState(f.api);
  d.attach({ root: ROOT, source: () => source, edits: () => structuredClone(EDITS) });
  return d;
}

describe('parseEngine', () => {
  it('takes addresses and context names, and says why anything else is refused', () => {
    expect(parseEngine(' unix:///run/berth-dockerd2/docker.sock ')).toEqual({ engine: 'unix:///run/berth-dockerd2/docker.sock', problem: null });
    expect(parseEngine('tcp://10.0.0.2:2376').engine).toBe('tcp://10.0.0.2:2376');
    expect(parseEngine('colima').engine).toBe('colima');
    expect(parseEngine('').problem).toMatch(/Type an engine address/);
    expect(parseEngine('two words').problem).toMatch(/no spaces/);
    expect(parseEngine('://nothing').problem).toMatch(/neither an address/);
    expect(outcomeLabel('rolled_back')).toBe('Rolled back');
  });
});

describe('DeployState', () => {
  it('deploys what Run builds, to the picked environment and engine, and shows the steps, the build and the outcome', async () => {
    const f = fakeApi();
    f.setHistory([record('old1', 'deployed')]);
    const d = attached(f);
    await d.loadTargets();
    await tick();
    expect(d.history.map((h) => h.version)).toEqual(['old1']);
    d.env = 'dev';
    d.picked = '1';
    const done = d.deploy();
    expect(d.phase).toBe('deploying');
    expect(d.busy).toBe(true);
    expect(f.requests[0]).toEqual({ env: 'dev', engine: 'remote', source: 'plan', edits: EDITS });
    f.send({ type: 'step', message: 'validated the files and tcp://10.0.0.2:2376' });
    f.send({ type: 'build', event: { type: 'step', n: 1, total: 2, instruction: 'FROM scratch' } });
    f.send({ type: 'build', event: { type: 'built', image_id: 'sha256:1' } });
    f.send({ type: 'step', message: 'abc1234 serves http://127.0.0.1:7000' });
    expect(d.steps).toEqual(['validated the files and tcp://10.0.0.2:2376', 'abc1234 serves http://127.0.0.1:7000']);
    expect(d.progress.built).toBe(true);
    f.setHistory([record('old1', 'deployed'), record('abc1234', 'deployed', 'dev')]);
    f.finish(report({ env: 'dev', previous: 'old1' }));
    await done;
    expect(d.phase).toBe('done');
    expect(d.report?.outcome).toBe('deployed');
    // The history is read again after the deploy, newest first for the list.
    expect(d.recent.map((h) => h.version)).toEqual(['abc1234', 'old1']);
    await d.openInBrowser();
    expect(f.calls.at(-1)).toEqual(['openUrl', ['http://127.0.0.1:7000']]);
  });

  it("a folder's own files deploy without the plan's edits; the engine in use is passed as null", async () => {
    const f = fakeApi();
    const d = attached(f, 'files');
    await d.loadTargets();
    const done = d.deploy();
    expect(f.requests[0]).toEqual({ env: 'prod', engine: null, source: 'files', edits: null });
    f.finish(report());
    await done;
  });

  it('a typed engine must be an address or a context; a bad one is explained and nothing is called', async () => {
    const f = fakeApi();
    const d = attached(f);
    await d.loadTargets();
    d.picked = OTHER;
    d.other = 'not an engine';
    await d.deploy();
    expect(d.engineProblem).toMatch(/no spaces/);
    expect(d.phase).toBe('idle');
    expect(f.calls.filter(([c]) => c === 'deploy')).toEqual([]);
    d.other = 'unix:///run/berth-dockerd2/docker.sock';
    const done = d.deploy();
    expect(d.engineProblem).toBeNull();
    expect(f.requests[0]?.engine).toBe('unix:///run/berth-dockerd2/docker.sock');
    f.finish(report());
    await done;
  });

  it('a rolled-back or refused deploy is a report, not an error: the reason, the logs and the failed validations', async () => {
    const f = fakeApi();
    const d = attached(f);
    const done = d.deploy();
    f.finish(
      report({
        outcome: 'rolled_back',
        previous: 'old1',
        reason: 'not healthy within 60 s',
        last_logs: ['booting', 'crash: missing module'],
        url: null,
      }),
    );
    await done;
    expect(d.phase).toBe('done');
    expect(d.report?.last_logs).toEqual(['booting', 'crash: missing module']);
    const again = d.deploy();
    expect(d.report).toBeNull();
    f.finish(report({ outcome: 'refused', validated: [{ name: 'check', ok: false, detail: 'BERTH001 high' }], reason: 'check: BERTH001 high' }));
    await again;
    expect(d.report?.validated.filter((v) => !v.ok).map((v) => v.name)).toEqual(['check']);
  });

  it('cancel stops the build: cancelled, no error', async () => {
    const f = fakeApi();
    const d = attached(f);
    const done = d.deploy();
    await d.cancel();
    await done;
    expect(f.calls.some(([c]) => c === 'cancel')).toBe(true);
    expect(d.phase).toBe('cancelled');
    expect(d.error).toBeNull();
  });

  it('rollback returns the chosen environment to the previous version, or says why it cannot', async () => {
    const f = fakeApi();
    f.setHistory([record('old1', 'deployed')]);
    const d = attached(f);
    await d.loadTargets();
    await d.rollback();
    expect(d.phase).toBe('failed');
    expect(d.error?.message).toMatch(/no earlier healthy/);
    f.setHistory([record('old1', 'deployed'), record('abc1234', 'deployed')]);
    await d.rollback();
    expect(f.calls.filter(([c]) => c === 'rollback').at(-1)).toEqual(['rollback', [ROOT, 'prod', null]]);
    expect(d.phase).toBe('done');
    expect(d.rolledBackByUser).toBe(true);
    expect(d.report?.version).toBe('old1');
    expect(d.steps).toEqual(['old1 is healthy']);
  });

  it('opening another folder forgets the deploy and reads its history; a late answer of the old one is dropped', async () => {
    const f = fakeApi();
    const d = attached(f);
    const done = d.deploy();
    d.attach({ root: '/projects/other', source: () => 'auto', edits: () => null });
    expect(d.phase).toBe('idle');
    f.finish(report());
    await done;
    expect(d.report).toBeNull();
    expect(f.calls.filter(([c]) => c === 'history').map(([, a]) => a[0])).toContain('/projects/other');
  });
});
