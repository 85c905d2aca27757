import { describe, expect, it } from 'vitest';
import type { SourcesChanged } from './bindings/SourcesChanged';
import type { UpEvent } from './bindings/UpEvent';
import type { RunReport } from './bindings/RunReport';
import type { PlanEdits } from './bindings/PlanEdits';
import type { RunApi, RunRequest } from './ipc';
import type { Report } from './bindings/Report';
import type { Finding } from './bindings/Finding';
import type { ImageCheck } from './bindings/ImageCheck';
import { emptyProgress, foldBuildEvent, formatMs, parsePort, RunState, type RunSubject } from './run.svelte';

const ROOT = '/projects/web';

const EDITS: PlanEdits = {
  port: 7000,
  builder_image: null,
  runtime_image: 'python:3.12-slim',
  start_command: ['gunicorn', 'app:app'],
  health_path: '/health',
  services: ['redis'],
};

/** A folder with a plan (and, with `ownFiles`, its own Dockerfile). */
function subject(root = ROOT, ownFiles = false, edits: PlanEdits | null = EDITS): RunSubject {
  return { root, edits: () => (edits ? structuredClone(edits) : null), ownFiles };
}

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    runner: 'single',
    tool: null,
    compose_project: null,
    services: [],
    notes: [],
    project: ROOT,
    container: 'berth-web-abc123',
    image: 'berth-web-abc123:dev',
    host_port: 8081,
    url: 'http://localhost:8081',
    port_conflict: null,
    healthy: true,
    dockerfile: 'project',
    build: {
      image_id: 'sha256:1',
      tag: 'berth-web-abc123:dev',
      size_bytes: 1_200_000,
      duration_ms: 2400,
      steps: 3,
      cached_steps: 1,
      builder: 'buildkit',
      builder_note: null,
      platform: null,
      targets: [],
    },
    health: { healthy: true, via: 'healthcheck', message: 'healthy', waited_ms: 900, last_logs: [] },
    ...over,
  };
}

function composeReport(root: string): RunReport {
  return report({
    runner: root.endsWith('notool') ? 'engine_api' : 'compose_tool',
    tool: root.endsWith('notool') ? null : 'docker compose',
    compose_project: 'web-abc123',
    container: 'berth-web-abc123-app',
    image: 'berth-web-abc123-app:dev',
    host_port: 8000,
    url: 'http://localhost:8000',
    services: [
      { service: 'redis', container: 'berth-web-abc123-redis', image: 'redis:7-alpine', built: false },
      { service: 'app', container: 'berth-web-abc123-app', image: 'berth-web-abc123-app:dev', built: true },
    ],
  });
}

/** A RunApi whose up the test finishes by hand, after sending events. */
function fakeApi() {
  const calls: Array<[string, unknown[]]> = [];
  const requests: RunRequest[] = [];
  let finishUp: ((r: RunReport) => void) | null = null;
  let failUp: ((e: unknown) => void) | null = null;
  let send: ((e: UpEvent) => void) | null = null;
  let change: ((c: SourcesChanged) => void) | null = null;
  const free = new Set<number>([9000]);
  let preflight: Report = clean();
  const api: RunApi = {
    engineStatus: async () => {
      calls.push(['engineStatus', []]);
      throw { kind: 'engine_unavailable', message: 'no container engine reachable. Tried:\n  /var/run/docker.sock: no socket' };
    },
    checkPort: async (port) => {
      calls.push(['checkPort', [port]]);
      return free.has(port)
        ? { port, free: true, owner: null, known: null, explanation: null, suggestion: null }
        : { port, free: false, owner: null, known: 'process', explanation: `python3 (pid 42) listens on ${port}`, suggestion: 'stop it' };
    },
    async upProject(root, req, onEvent) {
      requests.push(req);
      if (req.runner === 'compose') {
        calls.push(['upCompose', [root, req.hostPort]]);
        onEvent({ type: 'runner', runner: root.endsWith('notool') ? 'engine_api' : 'compose_tool', note: null });
        onEvent({ type: 'stage', stage: 'building' });
        if (root.endsWith('broken')) throw { kind: 'engine', message: 'docker compose up failed: service web: build failed' };
        return composeReport(root);
      }
      calls.push(['upProject', [root, req.hostPort]]);
      send = onEvent;
      return new Promise((res, rej) => {
        finishUp = res;
        failUp = rej;
      });
    },
    cancelUp: async (root) => {
      calls.push(['cancelUp', [root]]);
      failUp?.({ kind: 'cancelled', message: 'cancelled' });
      return true;
    },
    downProject: async (root, removeImages) => {
      calls.push(['downProject', [root, removeImages]]);
      return { project: root, containers: ['berth-web-abc123'], images: removeImages ? ['berth-web-abc123:dev'] : [], kept: [] };
    },
    openUrl: async (url) => {
      calls.push(['openUrl', [url]]);
    },
    writePort: async (root, port) => {
      calls.push(['writePort', [root, port]]);
      return { path: `${root}/compose.yaml`, port, backup: `${root}/compose.yaml.berth-backup-1` };
    },
    followLogs: () => ({ done: new Promise(() => {}), stop: async () => {} }),
    preflightCheck: async (root, source) => {
      calls.push(['preflightCheck', [root, source]]);
      return preflight;
    },
    checkImage: async (reference) => {
      calls.push(['checkImage', [reference]]);
      return imageCheck(reference);
    },
    watchProject(root, onChange) {
      calls.push(['watchProject', [root]]);
      change = onChange;
      return {
        done: new Promise(() => {}),
        stop: async () => {
          calls.push(['stopWatch', []]);
          change = null;
        },
      };
    },
  };
  return {
    api,
    calls,
    requests,
    change: (paths: string[]) => change?.({ paths }),
    send: (e: UpEvent) => send?.(e),
    finish: (r: RunReport) => finishUp?.(r),
    fail: (e: unknown) => failUp?.(e),
    /** What the next preflight check answers. */
    setPreflight: (r: Report) => (preflight = r),
  };
}

function clean(): Report {
  return { target: ROOT, findings: [], summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } };
}

function critical(): Report {
  const f: Finding = {
    id: 'BERTH-RT-010',
    severity: 'critical',
    title: 'The Docker socket is mounted',
    detail: 'service `app`: `/var/run/docker.sock` mounted at /var/run/docker.sock',
    fix: 'Do not mount /var/run/docker.sock',
    refs: ['CIS-5.32'],
    location: { file: 'compose.yaml', line: 9 },
  };
  return { target: ROOT, findings: [f], summary: { critical: 1, high: 0, medium: 0, low: 0, info: 0 } };
}

function imageCheck(image: string): ImageCheck {
  return {
    report: { ...clean(), target: image },
    analysis: {
      image,
      size_bytes: 42_000_000,
      target_bytes: 100_000_000,
      meets_target: true,
      layers: [{ created_by: 'COPY busybox /bin/busybox', size_bytes: 42_000_000, files_added: 1, wasted_bytes: 0 }],
      wasted_bytes: 0,
      largest_files: [],
      suggestions: [],
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('build progress', () => {
  it('folds steps, cache hits and per-step output', () => {
    let p = emptyProgress();
    p = foldBuildEvent(p, { type: 'output', line: 'building the project\'s own Dockerfile' });
    p = foldBuildEvent(p, { type: 'context', files: 3, bytes: 2048 });
    p = foldBuildEvent(p, { type: 'step', n: 1, total: 2, instruction: 'FROM scratch' });
    p = foldBuildEvent(p, { type: 'cached', n: 1 });
    p = foldBuildEvent(p, { type: 'step', n: 2, total: 2, instruction: 'RUN make' });
    p = foldBuildEvent(p, { type: 'output', line: 'cc -o app' });
    expect(p.preface).toEqual(["building the project's own Dockerfile", 'sending context: 3 files, 2.00 KiB']);
    expect(p.total).toBe(2);
    expect(p.steps.map((s) => [s.n, s.cached, s.output])).toEqual([
      [1, true, []],
      [2, false, ['cc -o app']],
    ]);
    p = foldBuildEvent(p, { type: 'error', message: 'make: not found' });
    expect(p.error).toBe('make: not found');
  });

  it('formats sizes, durations and typed ports', () => {
    expect(formatMs(2400)).toBe('2.4 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
    expect(parsePort('8080')).toBe(8080);
    expect(parsePort(' 80 ')).toBe(80);
    expect(parsePort('0')).toBeNull();
    expect(parsePort('70000')).toBeNull();
    expect(parsePort('80x')).toBeNull();
  });
});

describe('RunState', () => {
  it('names what was tried when no engine answers', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    await run.checkEngine();
    expect(run.engine).toBeNull();
    expect(run.engineError?.kind).toBe('engine_unavailable');
    expect(run.engineError?.message).toMatch(/docker\.sock/);
  });

  it('goes building -> starting -> healthy with progress and the URL', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick(); // the preflight check comes first
    expect(run.phase).toBe('building');
    f.send({ type: 'stage', stage: 'building' });
    f.send({ type: 'build', event: { type: 'step', n: 1, total: 4, instruction: 'FROM scratch' } });
    f.send({ type: 'build', event: { type: 'step', n: 2, total: 4, instruction: 'COPY busybox /bin/busybox' } });
    expect(run.fraction).toBeGreaterThan(0);
    expect(run.fraction).toBeLessThan(1);
    f.send({ type: 'build', event: { type: 'built', image_id: 'sha256:1' } });
    f.send({ type: 'stage', stage: 'starting' });
    expect(run.phase).toBe('starting');
    f.finish(report());
    await done;
    expect(run.phase).toBe('healthy');
    expect(run.fraction).toBe(1);
    expect(run.container).toBe('berth-web-abc123');
    await run.openInBrowser();
    expect(f.calls.at(-1)).toEqual(['openUrl', ['http://localhost:8081']]);
  });

  it('an unhealthy container keeps its last log lines', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report({ healthy: false, health: { healthy: false, via: 'healthcheck', message: 'unhealthy', waited_ms: 60000, last_logs: ['boom'] } }));
    await done;
    expect(run.phase).toBe('unhealthy');
    expect(run.report?.health.last_logs).toEqual(['boom']);
  });

  it('a failed build says why; cancel ends as cancelled', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    let done = run.run();
    await tick(); // the preflight check comes first
    f.fail({ kind: 'engine', message: 'engine: build failed: step 2' });
    await done;
    expect(run.phase).toBe('failed');
    expect(run.error?.message).toMatch(/build failed/);

    done = run.run();

    await tick(); // the preflight check comes first
    await run.cancel();
    await done;
    expect(run.phase).toBe('cancelled');
    expect(f.calls.some(([c]) => c === 'cancelUp')).toBe(true);
  });

  it('a typed port is checked first: a busy one is explained and nothing runs', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    run.portInput = '5000';
    await run.run();
    expect(run.portProblem).toMatch(/Port 5000 is taken\. python3 \(pid 42\)/);
    expect(f.calls.some(([c]) => c === 'upProject')).toBe(false);
    run.portInput = 'abc';
    await run.run();
    expect(run.portProblem).toBe('A port is a number from 1 to 65535.');
    const done = run.runOn(9000);
    await tick();
    expect(f.calls.at(-1)).toEqual(['upProject', [ROOT, 9000]]);
    expect(run.portProblem).toBeNull();
    f.finish(report({ host_port: 9000 }));
    await done;
  });

  it('after a conflict it offers the chosen port for compose.yaml, written only once confirmed', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report({ port_conflict: { requested: 5000, check: null, raced: [], chosen: 8081, reason: '5000 is in use' } }));
    await done;
    expect(run.portToWrite).toBe(8081);
    run.requestPortWrite();
    expect(run.confirmingPortWrite).toBe(true);
    run.cancelPortWrite();
    expect(f.calls.some(([c]) => c === 'writePort')).toBe(false);
    run.requestPortWrite();
    await run.confirmPortWrite();
    expect(f.calls.at(-1)).toEqual(['writePort', [ROOT, 8081]]);
    expect(run.portWrite?.backup).toMatch(/berth-backup/);
    // A rebuild on the chosen port keeps the explanation (and the offer).
    const again = run.rebuild();
    await tick();
    f.finish(report({ host_port: 8081 }));
    await again;
    expect(run.conflict?.requested).toBe(5000);
    expect(run.portToWrite).toBe(8081);
  });

  it('Stop & remove removes the container (and image), then there is no container to log', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report());
    await done;
    await run.stop(true);
    expect(run.phase).toBe('stopped');
    expect(run.down).toEqual({ project: ROOT, containers: ['berth-web-abc123'], images: ['berth-web-abc123:dev'], kept: [] });
    expect(run.container).toBeNull();
  });

  it('Run with compose: the result names the runner and its tool, its container is logged and its URL opened', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    run.portInput = '9000';
    await run.runCompose();
    expect(f.calls.filter(([c]) => c === 'upCompose')).toEqual([['upCompose', [ROOT, 9000]]]);
    expect(run.phase).toBe('healthy');
    expect(run.runner).toEqual({ runner: 'compose_tool', note: null });
    expect(run.report?.tool).toBe('docker compose');
    expect(run.container).toBe('berth-web-abc123-app');
    await run.openInBrowser();
    expect(f.calls).toContainEqual(['openUrl', ['http://localhost:8000']]);
    // A later single-container run replaces the compose result.
    run.portInput = '';
    const done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report());
    await done;
    expect(run.container).toBe('berth-web-abc123');
  });

  it('Run with compose fails with the reason and keeps nothing of an earlier result', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject('/projects/broken'));
    await run.runCompose();
    expect(run.phase).toBe('failed');
    expect(run.error?.message).toMatch(/service web: build failed/);
    expect(run.report).toBeNull();
    expect(run.container).toBeNull();
  });

  it("runs Berth's plan with the current edits when the folder has no files of its own", async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    let edits: PlanEdits = { ...EDITS };
    run.attach({ root: ROOT, edits: () => edits, ownFiles: false });
    expect(run.from).toBe('plan');
    expect(run.canChooseSource).toBe(false);
    // The user edits the port after opening: the run gets the edit, not the opened plan.
    edits = { ...edits, port: 7100 };
    const done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report());
    await done;
    expect(f.requests.at(-1)).toEqual({ source: 'plan', edits: { ...EDITS, port: 7100 }, runner: 'auto', hostPort: null, expose: false, env: null, platform: null });
  });

  it('runs in the chosen environment (berth up --env); a newly opened folder starts without one', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    expect(run.env).toBeNull();
    run.env = 'prod';
    const done = run.run();
    await tick();
    f.finish(report());
    await done;
    expect(f.requests.at(-1)?.env).toBe('prod');
    run.attach(subject('/projects/other'));
    expect(run.env).toBeNull();
  });

  it('runs for the chosen platform (berth up --platform); a newly opened folder starts with the engine\'s', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    expect(run.platform).toBeNull();
    run.platform = 'linux/arm64';
    const done = run.run();
    await tick();
    f.finish(report());
    await done;
    expect(f.requests.at(-1)?.platform).toBe('linux/arm64');
    run.attach(subject('/projects/other'));
    expect(run.platform).toBeNull();
  });

  it('a folder with its own files runs them by default, or the plan when chosen; expose is asked for', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject(ROOT, true));
    expect(run.from).toBe('files');
    expect(run.canChooseSource).toBe(true);
    let done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report());
    await done;
    expect(f.requests.at(-1)).toMatchObject({ source: 'files', edits: null, runner: 'single' });
    run.from = 'plan';
    run.expose = true;
    done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report());
    await done;
    expect(f.requests.at(-1)).toMatchObject({ source: 'plan', edits: EDITS, expose: true });
    // A folder with only its own files (nothing detected) cannot choose.
    const other = new RunState(f.api);
    other.attach(subject('/projects/own', true, null));
    expect(other.from).toBe('files');
    expect(other.canChooseSource).toBe(false);
  });

  it('opening another folder forgets the previous run; late answers are ignored', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick(); // the preflight check comes first
    run.attach(subject('/projects/other'));
    f.finish(report());
    await done;
    expect(run.phase).toBe('idle');
    expect(run.report).toBeNull();
  });

  it('after a run the folder is watched; changes offer a rebuild on the same port', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    let done = run.run();
    await tick(); // the preflight check comes first
    f.finish(report({ host_port: 8081 }));
    await done;
    // Watched, and the built image checked for the run card.
    expect(f.calls.slice(-2)).toEqual([['watchProject', [ROOT]], ['checkImage', ['berth-web-abc123:dev']]]);
    f.change(['app.py']);
    f.change(['app.py', 'static/site.css']);
    expect(run.changed).toEqual(['app.py', 'static/site.css']);
    done = run.rebuild();
    await tick(); // the preflight check comes first
    expect(run.changed).toEqual([]);
    expect(f.calls.slice(-3)).toEqual([['preflightCheck', [ROOT, 'plan']], ['stopWatch', []], ['upProject', [ROOT, 8081]]]);
    f.finish(report({ host_port: 8081 }));
    await done;
    expect(run.conflict).toBeNull();
    await run.stop(true);
    expect(f.calls.filter(([c]) => c === 'stopWatch')).toHaveLength(2);
    f.change(['late.py']);
    expect(run.changed).toEqual([]);
  });

  it('critical findings in the files to build hold the run until "Run anyway"', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    f.setPreflight(critical());
    await run.run();
    expect(f.calls.some(([c]) => c === 'upProject')).toBe(false);
    expect(run.phase).toBe('idle');
    expect(run.pendingRun).not.toBeNull();
    expect(run.preflight?.findings[0]?.id).toBe('BERTH-RT-010');
    run.holdRun();
    expect(run.pendingRun).toBeNull();
    await run.run();
    const done = run.runAnyway();
    expect(run.phase).toBe('building');
    expect(f.calls.at(-1)).toEqual(['upProject', [ROOT, null]]);
    f.finish(report());
    await done;
    await tick();
    expect(run.imageCheck?.analysis.size_bytes).toBe(42_000_000);
  });

  it('a clean preflight runs at once; a preflight that cannot run does not hold the run', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(subject());
    const done = run.run();
    await tick();
    expect(f.calls.map(([c]) => c)).toEqual(['preflightCheck', 'upProject']);
    expect(run.pendingRun).toBeNull();
    f.finish(report());
    await done;
    f.api.preflightCheck = async () => {
      throw { kind: 'io', message: 'unreadable' };
    };
    const again = run.run();
    await tick();
    expect(f.calls.at(-1)?.[0]).toBe('upProject');
    expect(run.preflight).toBeNull();
    f.finish(report());
    await again;
  });
});
