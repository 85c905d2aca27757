// The Run commands for the fast UI test, answering like src-tauri/src/run.rs does. Progress
// and log lines go through the real Channel callbacks (index-ordered, as Tauri sends them).
// The test picks a scenario and releases the second half of the build by hand, so it can
// look at the panel mid-build.
import type { UpEvent } from '../src/lib/bindings/UpEvent';
import type { RunReport } from '../src/lib/bindings/RunReport';
import type { LogLine } from '../src/lib/bindings/LogLine';
import type { Commands } from '../src/lib/bindings/commands';

const ROOT = '/projects/flask-redis';
const CONTAINER = 'berth-flask-redis-a1b2c3';

export type Scenario = 'conflict' | 'healthy' | 'unhealthy' | 'build_error' | 'engine_down';

export const runControls = {
  scenario: 'conflict' as Scenario,
  /** The engine answers engine_status (false: engine_unavailable until set to true). */
  engineUp: true,
  /** Whether the project has a compose.yaml of its own (so writing the port is offered). */
  existingCompose: false,
  /** The compose tool a compose run reports (null: the Engine API path). */
  composeTool: 'docker compose' as string | null,
  /** Let the up finish (call after looking at the mid-build state). */
  release: () => {},
  /** Stops of streams: log follows and watches (channel ids). */
  stopped: [] as number[],
  /** Files of the project changed (sent on the watch channel, like the Rust watcher does). */
  change: (paths: string[]) => {
    if (watchChannel) send(watchChannel, { paths });
  },
};

interface ChannelLike {
  id: number;
}
const indexes = new Map<number, number>();
let cancel = () => {};
let watchChannel: ChannelLike | null = null;
export function send(ch: ChannelLike, message: unknown): void {
  const index = indexes.get(ch.id) ?? 0;
  indexes.set(ch.id, index + 1);
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(ch.id, { index, message });
}

const STEPS = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  'USER 65534',
  'CMD ["/bin/busybox", "httpd", "-f", "-p", "5000"]',
];

function report(scenario: Scenario, hostPort: number | null): RunReport {
  const conflict = scenario === 'conflict' && hostPort === null;
  const port = hostPort ?? (conflict ? 8081 : 5000);
  const healthy = scenario !== 'unhealthy';
  return {
    runner: 'single',
    tool: null,
    compose_project: null,
    services: [],
    project: ROOT,
    container: CONTAINER,
    image: `${CONTAINER}:dev`,
    host_port: port,
    url: `http://localhost:${port}`,
    port_conflict: conflict
      ? {
          requested: 5000,
          check: {
            port: 5000,
            free: false,
            owner: { pid: 4242, name: 'python3', path: '/usr/bin/python3', command: 'python3 -m http.server 5000', container: null, berth_managed: false, excluded_range: null },
            known: 'process',
            explanation: 'python3 (pid 4242) is listening on port 5000.',
            suggestion: 'Stop it (kill 4242) or let Berth use another port.',
          },
          raced: [],
          chosen: 8081,
          reason: 'port 5000 is in use; 8080 is in use; 8081 was free',
        }
      : null,
    healthy,
    dockerfile: 'project',
    build: {
      image_id: 'sha256:feed',
      tag: `${CONTAINER}:dev`,
      size_bytes: 1_234_567,
      duration_ms: 3400,
      steps: 5,
      cached_steps: 2,
      builder: 'buildkit',
      builder_note: null,
      platform: null,
      targets: [
        { name: 'image size', target: '< 100 MB', actual: '1.2 MB', met: true, hint: null },
        { name: 'build time', target: '< 5 min', actual: '3.4 s', met: true, hint: null },
      ],
    },
    health: healthy
      ? { healthy: true, via: 'healthcheck', message: 'healthy (HEALTHCHECK)', waited_ms: 1200, last_logs: [] }
      : {
          healthy: false,
          via: 'healthcheck',
          message: 'unhealthy after 60 s',
          waited_ms: 60000,
          last_logs: ['starting httpd', 'httpd: bind: Address in use', 'exiting'],
        },
    notes: [],
  };
}

const LOG_LINES: LogLine[] = [
  { stream: 'stdout', timestamp: '2026-11-27T03:30:01.100000000Z', text: 'starting httpd' },
  { stream: 'stdout', timestamp: '2026-11-27T03:30:02.200000000Z', text: '\x1b[32mGET /health 200\x1b[0m' },
  { stream: 'stderr', timestamp: '2026-11-27T03:30:03.300000000Z', text: '\x1b[1;31mERROR\x1b[0m disk almost full' },
];

/** A compose run (Run with compose): the compose tool's result, or the Engine API's. */
function composeRun(ev: (e: UpEvent) => void): RunReport {
  const tool = runControls.composeTool;
  ev({
    type: 'runner',
    runner: tool ? 'compose_tool' : 'engine_api',
    note: tool ? null : 'running the compose services through the Engine API: docker-compose 1.29.2 is Compose v1 (Berth needs Compose v2)',
  });
  ev({ type: 'stage', stage: 'building' });
  ev({ type: 'build', event: { type: 'step', n: 1, total: 2, instruction: 'COPY busybox /bin/busybox' } });
  ev({ type: 'build', event: { type: 'step', n: 2, total: 2, instruction: 'RUN --mount=type=cache,target=/cache …' } });
  ev({ type: 'build', event: { type: 'built', image_id: 'sha256:c0de' } });
  ev({ type: 'build', event: { type: 'output', line: 'Container web-app-1 Started' } });
  ev({ type: 'stage', stage: 'starting' });
  return {
    runner: tool ? 'compose_tool' : 'engine_api',
    tool,
    project: ROOT,
    compose_project: 'flask-redis-a1b2c3',
    container: CONTAINER,
    image: 'berth-flask-redis-a1b2c3-app:dev',
    host_port: 8081,
    url: 'http://localhost:8081',
    port_conflict: { requested: 8000, check: null, raced: [], chosen: 8081, reason: 'port 8000 is in use; 8080 is in use; 8081 was free' },
    healthy: true,
    health: { healthy: true, via: 'healthcheck', message: 'healthy after 1.2 s', waited_ms: 1200, last_logs: [] },
    dockerfile: 'project',
    build: null,
    services: [
      { service: 'redis', container: `${CONTAINER}-redis`, image: 'redis:7-alpine', built: false },
      { service: 'app', container: CONTAINER, image: 'berth-flask-redis-a1b2c3-app:dev', built: true },
    ],
    notes: tool ? [] : ['service redis: host port 6379 is in use, so its port 6379 is not published (the other services reach it as redis:6379)'],
  };
}

export async function runCommand(cmd: string, a: Record<string, unknown>): Promise<unknown> {
  const c = runControls;
  switch (cmd) {
    case 'engine_status':
      if (!c.engineUp) {
        throw {
          kind: 'engine_unavailable',
          message:
            'no container engine reachable. Tried:\n  unix:///var/run/docker.sock (default socket): no socket\n  unix:///root/.docker/desktop/docker.sock (Docker Desktop): no socket\nStart Docker (sudo systemctl start docker), Colima (colima start) or Podman.',
        };
      }
      return {
        endpoint: 'unix:///var/run/docker.sock',
        source: 'default_socket',
        reason: 'the default socket',
        version: '20.10.24',
        api_version: '1.41',
        negotiated_api_version: '1.41',
        os: 'linux',
        arch: 'x86_64',
        buildkit_available: true,
        builder: 'buildkit',
        builder_note: null,
      };
    case 'check_port': {
      const port = a.port as number;
      const busy = port === 5000;
      return {
        port,
        free: !busy,
        owner: busy ? { pid: 4242, name: 'python3', path: null, command: null, container: null, berth_managed: false, excluded_range: null } : null,
        known: busy ? 'process' : null,
        explanation: busy ? 'python3 (pid 4242) is listening on port 5000.' : null,
        suggestion: busy ? 'Stop it or choose another port.' : null,
      } satisfies Commands['check_port']['returns'];
    }
    case 'up_project': {
      const ch = a.onEvent as ChannelLike;
      const ev = (e: UpEvent) => send(ch, e);
      if (a.runner === 'compose') return composeRun(ev);
      ev({ type: 'runner', runner: 'single', note: null });
      if (c.scenario === 'engine_down') {
        throw { kind: 'engine_unavailable', message: 'no container engine reachable. Tried: /var/run/docker.sock' };
      }
      ev({ type: 'stage', stage: 'building' });
      ev({ type: 'build', event: { type: 'output', line: "building the project's own Dockerfile" } });
      ev({ type: 'build', event: { type: 'context', files: 4, bytes: 2_400_000 } });
      for (let i = 0; i < 3; i++) {
        ev({ type: 'build', event: { type: 'step', n: i + 1, total: 5, instruction: STEPS[i]! } });
        if (i < 2) ev({ type: 'build', event: { type: 'cached', n: i + 1 } });
      }
      ev({ type: 'build', event: { type: 'output', line: 'installing applets…' } });
      await new Promise<void>((r, reject) => {
        c.release = r;
        cancel = () => reject({ kind: 'cancelled', message: 'cancelled' });
      });
      if (c.scenario === 'build_error') {
        ev({ type: 'build', event: { type: 'error', message: 'The command \'/bin/sh -c make\' returned a non-zero code: 127' } });
        throw { kind: 'engine', message: "engine: build failed: The command '/bin/sh -c make' returned a non-zero code: 127" };
      }
      for (let i = 3; i < 5; i++) ev({ type: 'build', event: { type: 'step', n: i + 1, total: 5, instruction: STEPS[i]! } });
      ev({ type: 'build', event: { type: 'built', image_id: 'sha256:feed' } });
      ev({ type: 'stage', stage: 'starting' });
      return report(c.scenario, (a.hostPort as number | null) ?? null);
    }
    case 'cancel_up':
      cancel();
      return true;
    case 'down_project':
      return {
        project: ROOT,
        containers: [CONTAINER],
        images: a.removeImages ? [`${CONTAINER}:dev`] : [],
        kept: [],
      } satisfies Commands['down_project']['returns'];
    case 'follow_logs': {
      const ch = a.onLine as ChannelLike;
      for (const l of LOG_LINES) send(ch, l);
      return new Promise(() => {}); // follows until stop_logs
    }
    case 'watch_project': {
      watchChannel = a.onChange as ChannelLike;
      return new Promise(() => {}); // watches until stop_stream
    }
    case 'stop_stream':
      c.stopped.push(a.channel as number);
      return null;
    case 'open_url':
      return null;
    case 'write_port':
      return { path: `${ROOT}/compose.yaml`, port: a.port, backup: `${ROOT}/compose.yaml.berth-backup-20261127T033000Z` };
    default:
      throw { kind: 'io', message: `unexpected command ${cmd}` };
  }
}
