// The containers view's side of the mock backend: 50 containers (one unhealthy, some
// stopped, the last five a compose project `shop`), a live stats channel the test drives with window.__berth.tick(), history
// backlogs and lifecycle calls that change the containers' state.
import type { ContainerRow } from '../src/lib/bindings/ContainerRow';
import type { StatsBatch } from '../src/lib/bindings/StatsBatch';
import type { StatsPoint } from '../src/lib/bindings/StatsPoint';
import type { StatsSample } from '../src/lib/bindings/StatsSample';

const COUNT = 50;
const START_MS = 1_795_737_600_000;
let now = START_MS;

const rows: ContainerRow[] = Array.from({ length: COUNT }, (_, i) => {
  const name = i === 0 ? 'web' : `svc-${String(i).padStart(2, '0')}`;
  const running = i % 10 !== 9;
  const shop = i >= 45;
  return {
    container: {
      id: `id-${name}`,
      name,
      image: i === 0 ? 'berth/web:latest' : 'busybox:latest',
      state: running ? 'running' : 'exited',
      status: running ? 'Up 5 minutes' : 'Exited (0) 1 minute ago',
      project: null,
      managed: i < 5,
      compose_project: shop ? 'shop' : null,
      compose_service: shop ? name : null,
      depends_on: [],
      ports: i === 0 ? [{ host_ip: '0.0.0.0', host_port: 18080, container_port: 8080 }] : [],
      created: 0,
    },
    health: i === 0 ? 'healthy' : i === 1 ? 'unhealthy' : null,
    sample: null,
  };
});

function sampleOf(r: ContainerRow, ts: number): StatsSample {
  const i = rows.indexOf(r);
  const phase = (ts - START_MS) / 1000;
  return {
    id: r.container.id,
    name: r.container.name,
    ts_ms: ts,
    cpu_percent: i === 0 ? 40 + 30 * Math.sin(phase / 5) : (i % 7) * 1.5,
    mem_bytes: (20 + i) * 1024 * 1024 + (phase % 10) * 1024 * 1024,
    mem_limit_bytes: i === 0 ? 256 * 1024 * 1024 : 8 * 1024 ** 3,
    mem_percent: 1,
    net_rx_bps: 2048 + 1024 * Math.sin(phase),
    net_tx_bps: 1024,
    blk_read_bps: 0,
    blk_write_bps: 4096,
    pids: 3,
  };
}

let channel: { id: number } | null = null;
let index = 0;
export const unsubscribed: number[] = [];

function send(batch: StatsBatch) {
  if (!channel) return;
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { index: index++, message: batch });
}

/** Send `n` one-second batches of every running container. */
export function tick(n = 1) {
  for (let k = 0; k < n; k++) {
    now += 1000;
    const live = rows.filter((r) => r.container.state === 'running');
    send({ samples: live.map((r) => sampleOf(r, now)), events: [], connected: true });
  }
}

function history(id: string): StatsPoint[] {
  const r = rows.find((x) => x.container.id === id);
  if (!r) return [];
  return Array.from({ length: 120 }, (_, k) => {
    const { id: _i, name: _n, ...p } = sampleOf(r, now - (120 - k) * 1000);
    return p;
  });
}

export function statsCommand(cmd: string, a: Record<string, unknown>): { handled: boolean; value?: unknown } {
  switch (cmd) {
    case 'list_containers':
      return { handled: true, value: structuredClone(rows) };
    case 'stats_subscribe':
      channel = a.onBatch as { id: number };
      index = 0;
      return { handled: true, value: 7 };
    case 'stats_unsubscribe':
      unsubscribed.push(a.id as number);
      channel = null;
      return { handled: true, value: null };
    case 'container_history':
      return { handled: true, value: history(a.id as string) };
    case 'host_capacity':
      return { handled: true, value: { cores: 2, mem_total_bytes: 24 * 1024 ** 3, mem_used_bytes: 6 * 1024 ** 3 } };
    case 'container_lifecycle': {
      const r = rows.find((x) => x.container.name === a.name);
      if (!r) throw { kind: 'not_found', message: `container ${String(a.name)}: no such file or folder` };
      const action = a.action as string;
      const removing = action === 'remove' || action === 'remove_with_volumes';
      if (removing) rows.splice(rows.indexOf(r), 1);
      else r.container.state = action === 'stop' ? 'exited' : 'running';
      const ev = { id: r.container.id, name: r.container.name, ts_ms: now, action: { kind: action === 'stop' ? 'stop' : removing ? 'destroy' : 'start' } };
      queueMicrotask(() => send({ samples: [], events: [ev as StatsBatch['events'][number]], connected: true }));
      return { handled: true, value: null };
    }
    default:
      return { handled: false };
  }
}
