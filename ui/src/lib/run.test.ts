import { describe, expect, it } from 'vitest';
import type { SourcesChanged } from './bindings/SourcesChanged';
import type { UpEvent } from './bindings/UpEvent';
import type { UpReport } from './bindings/UpReport';
import type { RunApi } from './ipc';
import { emptyProgress, foldBuildEvent, formatBytes, formatMs, parsePort, RunState } from './run.svelte';

const ROOT = '/projects/web';

function report(over: Partial<UpReport> = {}): UpReport {
  return {
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
      targets: [],
    },
    health: { healthy: true, via: 'healthcheck', message: 'healthy', waited_ms: 900, last_logs: [] },
    warnings: [],
    ...over,
  };
}

/** A RunApi whose up the test finishes by hand, after sending events. */
function fakeApi() {
  const calls: Array<[string, unknown[]]> = [];
  let finishUp: ((r: UpReport) => void) | null = null;
  let failUp: ((e: unknown) => void) | null = null;
  let send: ((e: UpEvent) => void) | null = null;
  let change: ((c: SourcesChanged) => void) | null = null;
  const free = new Set<number>([9000]);
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
    upProject(root, hostPort, onEvent) {
      calls.push(['upProject', [root, hostPort]]);
      send = onEvent;
      return new Promise((res, rej) => {
        finishUp = res;
        failUp = rej;
      });
    },
    async upComposeProject(root, hostPort, onEvent) {
      calls.push(['upComposeProject', [root, hostPort]]);
      onEvent({ type: 'stage', stage: 'building' });
      if (root.endsWith('broken')) throw { kind: 'engine', message: 'docker-compose up failed: service web: build failed' };
      return {
        tool: root.endsWith('notool') ? null : 'docker-compose',
        project: 'web',
        container: 'web_app_1',
        image: 'berth-web-abc123-app:dev',
        host_port: 8000,
        url: 'http://localhost:8000',
        port_conflict: null,
        healthy: true,
        health: { healthy: true, via: 'healthcheck', message: 'healthy', waited_ms: 900, last_logs: [] },
        notes: [],
      };
    },
    cancelUp: async (root) => {
      calls.push(['cancelUp', [root]]);
      failUp?.({ kind: 'cancelled', message: 'cancelled' });
      return true;
    },
    downProject: async (root, removeImage) => {
      calls.push(['downProject', [root, removeImage]]);
      return { containers: ['berth-web-abc123'], image: removeImage ? 'berth-web-abc123:dev' : null, service_images: [] };
    },
    openUrl: async (url) => {
      calls.push(['openUrl', [url]]);
    },
    writePort: async (root, port) => {
      calls.push(['writePort', [root, port]]);
      return { path: `${root}/compose.yaml`, port, backup: `${root}/compose.yaml.berth-backup-1` };
    },
    followLogs: () => ({ done: new Promise(() => {}), stop: async () => {} }),
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
    change: (paths: string[]) => change?.({ paths }),
    send: (e: UpEvent) => send?.(e),
    finish: (r: UpReport) => finishUp?.(r),
    fail: (e: unknown) => failUp?.(e),
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
    expect(p.preface).toEqual(["building the project's own Dockerfile", 'sending context: 3 files, 2.0 kB']);
    expect(p.total).toBe(2);
    expect(p.steps.map((s) => [s.n, s.cached, s.output])).toEqual([
      [1, true, []],
      [2, false, ['cc -o app']],
    ]);
    p = foldBuildEvent(p, { type: 'error', message: 'make: not found' });
    expect(p.error).toBe('make: not found');
  });

  it('formats sizes, durations and typed ports', () => {
    expect(formatBytes(1_200_000)).toBe('1.2 MB');
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
    run.attach(ROOT);
    const done = run.run();
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
    run.attach(ROOT);
    const done = run.run();
    f.finish(report({ healthy: false, health: { healthy: false, via: 'healthcheck', message: 'unhealthy', waited_ms: 60000, last_logs: ['boom'] } }));
    await done;
    expect(run.phase).toBe('unhealthy');
    expect(run.report?.health.last_logs).toEqual(['boom']);
  });

  it('a failed build says why; cancel ends as cancelled', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
    let done = run.run();
    f.fail({ kind: 'engine', message: 'engine: build failed: step 2' });
    await done;
    expect(run.phase).toBe('failed');
    expect(run.error?.message).toMatch(/build failed/);

    done = run.run();
    await run.cancel();
    await done;
    expect(run.phase).toBe('cancelled');
    expect(f.calls.some(([c]) => c === 'cancelUp')).toBe(true);
  });

  it('a typed port is checked first: a busy one is explained and nothing runs', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
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
    run.attach(ROOT);
    const done = run.run();
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
    f.finish(report({ host_port: 8081 }));
    await again;
    expect(run.conflict?.requested).toBe(5000);
    expect(run.portToWrite).toBe(8081);
  });

  it('Stop & remove removes the container (and image), then there is no container to log', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
    const done = run.run();
    f.finish(report());
    await done;
    await run.stop(true);
    expect(run.phase).toBe('stopped');
    expect(run.down).toEqual({ containers: ['berth-web-abc123'], image: 'berth-web-abc123:dev', service_images: [] });
    expect(run.container).toBeNull();
  });

  it('Run with compose: the compose result names its tool, its container is logged and its URL opened', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
    run.portInput = '9000';
    await run.runCompose();
    expect(f.calls.filter(([c]) => c === 'upComposeProject')).toEqual([['upComposeProject', [ROOT, 9000]]]);
    expect(run.phase).toBe('healthy');
    expect(run.compose?.tool).toBe('docker-compose');
    expect(run.report).toBeNull();
    expect(run.container).toBe('web_app_1');
    await run.openInBrowser();
    expect(f.calls).toContainEqual(['openUrl', ['http://localhost:8000']]);
    // A later single-container run replaces the compose result.
    run.portInput = '';
    const done = run.run();
    f.finish(report());
    await done;
    expect(run.compose).toBeNull();
    expect(run.container).toBe('berth-web-abc123');
  });

  it('Run with compose fails with the reason and keeps nothing of an earlier result', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach('/projects/broken');
    await run.runCompose();
    expect(run.phase).toBe('failed');
    expect(run.error?.message).toMatch(/service web: build failed/);
    expect(run.compose).toBeNull();
    expect(run.container).toBeNull();
  });

  it('opening another folder forgets the previous run; late answers are ignored', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
    const done = run.run();
    run.attach('/projects/other');
    f.finish(report());
    await done;
    expect(run.phase).toBe('idle');
    expect(run.report).toBeNull();
  });

  it('after a run the folder is watched; changes offer a rebuild on the same port', async () => {
    const f = fakeApi();
    const run = new RunState(f.api);
    run.attach(ROOT);
    let done = run.run();
    f.finish(report({ host_port: 8081 }));
    await done;
    expect(f.calls.at(-1)).toEqual(['watchProject', [ROOT]]);
    f.change(['app.py']);
    f.change(['app.py', 'static/site.css']);
    expect(run.changed).toEqual(['app.py', 'static/site.css']);
    done = run.rebuild();
    expect(run.changed).toEqual([]);
    expect(f.calls.slice(-2)).toEqual([['stopWatch', []], ['upProject', [ROOT, 8081]]]);
    f.finish(report({ host_port: 8081 }));
    await done;
    expect(run.conflict).toBeNull();
    await run.stop(true);
    expect(f.calls.filter(([c]) => c === 'stopWatch')).toHaveLength(2);
    f.change(['late.py']);
    expect(run.changed).toEqual([]);
  });
});
