import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContainersState, filterRows, RELIST_DEBOUNCE_MS, SPARK_POINTS } from './containers.svelte';
import { DetailState, DETAIL_CAPACITY } from './detail.svelte';
import type { StatsApi } from '../ipc';
import type { ContainerRow } from '../bindings/ContainerRow';
import type { StatsBatch } from '../bindings/StatsBatch';
import type { StatsSample } from '../bindings/StatsSample';
import type { StatsPoint } from '../bindings/StatsPoint';

function row(name: string, state = 'running', sample: StatsSample | null = null, compose: string | null = null): ContainerRow {
  return {
    container: {
      id: `id-${name}`,
      name,
      image: 'busybox',
      state,
      status: 'Up 1 second',
      project: null,
      managed: false,
      compose_project: compose,
      compose_service: compose ? name : null,
      depends_on: [],
      ports: [{ host_ip: '0.0.0.0', host_port: 18080, container_port: 80 }],
      created: 0,
    },
    health: null,
    sample,
  };
}

function sample(name: string, cpu: number, ts = 1000): StatsSample {
  return {
    id: `id-${name}`,
    name,
    ts_ms: ts,
    cpu_percent: cpu,
    mem_bytes: 1024 * cpu,
    mem_limit_bytes: 1 << 30,
    mem_percent: 0,
    net_rx_bps: 1,
    net_tx_bps: 2,
    blk_read_bps: 3,
    blk_write_bps: 4,
    pids: 1,
  };
}

function fakeApi(rows: () => ContainerRow[]) {
  let onBatch: ((b: StatsBatch) => void) | null = null;
  const api = {
    listContainers: vi.fn(async () => rows()),
    subscribeStats: vi.fn(async (cb: (b: StatsBatch) => void) => {
      onBatch = cb;
      return unsubscribe;
    }),
    containerHistory: vi.fn(async (): Promise<StatsPoint[]> => []),
    hostCapacity: vi.fn(async () => ({ cores: 2, mem_total_bytes: 8 << 30, mem_used_bytes: 2 << 30 })),
    containerLifecycle: vi.fn(async (_name: string, _action: string) => {}),
    openUrl: vi.fn(async (url: string) => {
      if (!url.startsWith('http://localhost:')) throw { kind: 'invalid_input', message: `${url}: refused` };
    }),
  } satisfies StatsApi;
  const unsubscribe = vi.fn(() => {
    onBatch = null;
  });
  return { api, unsubscribe, send: (b: StatsBatch) => onBatch?.(b) };
}

const batch = (samples: StatsSample[], events: StatsBatch['events'] = []): StatsBatch => ({
  samples,
  events,
  connected: true,
});

describe('ContainersState', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces batches into one update per frame and keeps row objects', async () => {
    const { api, send } = fakeApi(() => [row('web'), row('db')]);
    const frames: Array<() => void> = [];
    const s = new ContainersState(api, (cb) => frames.push(cb));
    await s.start();
    const web = s.row('id-web')!;
    expect(s.rows.map((r) => r.info.name)).toEqual(['web', 'db']);

    send(batch([sample('web', 10)]));
    send(batch([sample('web', 20), sample('db', 5)]));
    expect(frames).toHaveLength(1);
    expect(web.cpu).toBeNull();
    const frameBefore = s.frame;
    frames.shift()!();
    expect(s.frame).toBe(frameBefore + 1);
    expect(web.cpu).toBe(20);
    expect(Array.from(web.cpuRing.values())).toEqual([10, 20]);
    expect(web.version).toBe(2);
    expect(s.totals).toEqual({ cpu: 25, mem: 25 * 1024 });

    await s.refresh();
    expect(s.row('id-web')).toBe(web);
  });

  it('sparkline rings keep the last minute', async () => {
    const { api, send } = fakeApi(() => [row('web')]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    for (let i = 0; i < SPARK_POINTS + 5; i++) send(batch([sample('web', i)]));
    const ring = s.row('id-web')!.cpuRing;
    expect(ring.length).toBe(SPARK_POINTS);
    expect(ring.last()).toBe(SPARK_POINTS + 4);
  });

  it('container events re-list once (debounced) and a stopped row clears its numbers', async () => {
    let state = 'running';
    const { api, send } = fakeApi(() => [row('web', state)]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    send(batch([sample('web', 50)]));
    state = 'exited';
    const ev = { id: 'id-web', name: 'web', ts_ms: 1, action: { kind: 'die' as const, exit_code: 137 } };
    send(batch([], [ev]));
    send(batch([], [ev]));
    expect(api.listContainers).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(RELIST_DEBOUNCE_MS);
    expect(api.listContainers).toHaveBeenCalledTimes(2);
    expect(s.row('id-web')!.running).toBe(false);
    expect(s.row('id-web')!.cpu).toBeNull();
  });

  it('shows no engine, then picks it up when the channel says it is back', async () => {
    let up = false;
    const { api, send } = fakeApi(() => {
      if (!up) throw { kind: 'engine_unavailable', message: 'no engine yet' };
      return [row('web')];
    });
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    expect(s.connected).toBe(false);
    up = true;
    send({ samples: [], events: [], connected: true });
    await vi.advanceTimersByTimeAsync(RELIST_DEBOUNCE_MS);
    expect(s.connected).toBe(true);
    expect(s.rows).toHaveLength(1);
  });

  it('remove asks first; stop unsubscribes the channel', async () => {
    const { api, unsubscribe } = fakeApi(() => [row('web')]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    const web = s.row('id-web')!;
    await s.act(web, 'remove');
    expect(api.containerLifecycle).not.toHaveBeenCalled();
    expect(s.confirmingRemove).toBe(web);
    s.cancelRemove();
    await s.act(web, 'remove');
    await s.confirmRemove();
    // Another tool's container keeps its anonymous volumes unless asked.
    expect(api.containerLifecycle).toHaveBeenCalledWith('web', 'remove');
    await s.act(web, 'remove');
    await s.confirmRemove(true);
    expect(api.containerLifecycle).toHaveBeenLastCalledWith('web', 'remove_with_volumes');
    await s.act(web, 'stop');
    expect(api.containerLifecycle).toHaveBeenLastCalledWith('web', 'stop');
    s.stop();
    expect(unsubscribe).toHaveBeenCalledOnce();
  });
});

describe('ContainersState groups and pausing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sections a compose project under one header; the filter matches the project', async () => {
    const { api } = fakeApi(() => [row('shop-web-1', 'running', null, 'shop'), row('redis'), row('shop-db-1', 'exited', null, 'shop')]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    expect(s.sections.map((x) => [x.project, x.rows.map((r) => r.info.name)])).toEqual([
      ['shop', ['shop-web-1', 'shop-db-1']],
      [null, ['redis']],
    ]);
    s.query = 'SHOP';
    expect(s.visible.map((r) => r.info.name)).toEqual(['shop-web-1', 'shop-db-1']);
    s.toggleGroup('shop');
    expect(s.collapsed.has('shop')).toBe(true);
    s.toggleGroup('shop');
    expect(s.collapsed.has('shop')).toBe(false);
  });

  it('group actions: stop stops the running ones, start the stopped, remove asks first', async () => {
    const { api } = fakeApi(() => [row('shop-web-1', 'running', null, 'shop'), row('shop-db-1', 'exited', null, 'shop')]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    const shop = s.sections[0]!;
    await s.actGroup(shop, 'stop');
    expect(api.containerLifecycle.mock.calls).toEqual([['shop-web-1', 'stop']]);
    await s.actGroup(shop, 'start');
    expect(api.containerLifecycle.mock.calls.at(-1)).toEqual(['shop-db-1', 'start']);
    api.containerLifecycle.mockClear();
    await s.actGroup(shop, 'remove');
    expect(api.containerLifecycle).not.toHaveBeenCalled();
    expect(s.confirmingGroupRemove).toBe(shop);
    s.cancelGroupRemove();
    expect(s.confirmingGroupRemove).toBeNull();
    await s.actGroup(shop, 'remove');
    await s.confirmGroupRemove();
    expect(api.containerLifecycle.mock.calls).toEqual([
      ['shop-web-1', 'remove'],
      ['shop-db-1', 'remove'],
    ]);
    api.containerLifecycle.mockClear();
    await s.actGroup(shop, 'remove');
    await s.confirmGroupRemove(true);
    expect(api.containerLifecycle.mock.calls.map((c) => c[1])).toEqual(['remove_with_volumes', 'remove_with_volumes']);
  });

  it('a failing group action shows the first failure and how many more failed', async () => {
    const { api } = fakeApi(() => [row('a', 'running', null, 'p'), row('b', 'running', null, 'p'), row('c', 'running', null, 'p')]);
    api.containerLifecycle.mockImplementation(async (name: string) => {
      if (name !== 'a') throw { kind: 'engine', message: `${name}: refused` };
    });
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    await s.actGroup(s.sections[0]!, 'stop');
    expect(s.error).toEqual({ kind: 'engine', message: 'b: refused (and 1 more failed)' });
    expect(s.rows.every((r) => r.busy === null)).toBe(true);
  });

  it('while paused, batches are dropped (no frame asked); resume refills from the history', async () => {
    const { api, send } = fakeApi(() => [row('web'), row('db', 'exited')]);
    const frames: Array<() => void> = [];
    const s = new ContainersState(api, (cb) => frames.push(cb));
    await s.start();
    send(batch([sample('web', 10)]));
    frames.shift()!();
    s.pause();
    send(batch([sample('web', 20)]));
    send(batch([sample('web', 30)]));
    expect(frames).toHaveLength(0);
    const web = s.row('id-web')!;
    expect(web.cpu).toBe(10);
    const point = (cpu: number): StatsPoint => {
      const { id: _i, name: _n, ...p } = sample('web', cpu);
      return p;
    };
    api.containerHistory.mockResolvedValue([point(10), point(20), point(30)]);
    const lists = api.listContainers.mock.calls.length;
    await s.resume();
    expect(s.paused).toBe(false);
    // Only the running row asks for its history; the list is re-read once.
    expect(api.containerHistory.mock.calls).toEqual([['id-web']]);
    expect(api.listContainers.mock.calls.length).toBe(lists + 1);
    expect(Array.from(web.cpuRing.values())).toEqual([10, 20, 30]);
    expect(web.cpu).toBe(30);
    // Live again.
    send(batch([sample('web', 40)]));
    frames.shift()!();
    expect(web.cpu).toBe(40);
  });

  it('resume after a quiet pause asks nothing', async () => {
    const { api } = fakeApi(() => [row('web')]);
    const s = new ContainersState(api, (cb) => cb());
    await s.start();
    s.pause();
    await s.resume();
    expect(api.containerHistory).not.toHaveBeenCalled();
  });
});

describe('ContainersState.openPort', () => {
  it('opens http://localhost:<port>; a refusal shows as the error', async () => {
    const { api } = fakeApi(() => [row('web')]);
    const c = new ContainersState(api, (cb) => cb());
    await c.openPort(18080);
    expect(api.openUrl).toHaveBeenCalledWith('http://localhost:18080');
    expect(c.error).toBeNull();
    api.openUrl.mockRejectedValueOnce({ kind: 'engine', message: 'no browser' });
    await c.openPort(18080);
    expect(c.error).toEqual({ kind: 'engine', message: 'no browser' });
  });
});

describe('DetailState', () => {
  const point = (ts: number, cpu: number): StatsPoint => {
    const { id: _i, name: _n, ...p } = sample('web', cpu, ts);
    return p;
  };

  it('starts from the backlog, appends live samples and cuts to the window', async () => {
    const { api } = fakeApi(() => []);
    api.containerHistory.mockResolvedValue(
      Array.from({ length: 400 }, (_, i) => point(1_000_000 + i * 1000, i)),
    );
    const d = new DetailState(api, 'id-web');
    await d.load();
    expect(d.length).toBe(400);
    d.push(sample('web', 7, 1_000_000 + 400 * 1000));
    d.push(sample('web', 8, 1_000_000 + 400 * 1000));
    expect(d.length).toBe(401);
    const [t, cpu] = d.view(['cpu']);
    expect(t!.length).toBe(61);
    expect(cpu!.at(-1)).toBe(7);
    d.setWindow(300);
    expect(d.view(['cpu'])[0]!.length).toBe(301);
    d.setWindow(900);
    expect(d.view(['cpu', 'mem', 'rx'])).toHaveLength(4);
    expect(d.view(['cpu'])[0]!.length).toBe(401);
  });

  it('stays bounded', () => {
    const { api } = fakeApi(() => []);
    const d = new DetailState(api, 'id-web');
    for (let i = 0; i < DETAIL_CAPACITY + 50; i++) d.push(sample('web', i, i * 1000));
    expect(d.length).toBe(DETAIL_CAPACITY);
    expect(d.cols.cpu[0]).toBe(50);
  });
});

describe('filterRows', () => {
  const info = (name: string, image: string, project: string | null, managed: boolean) => ({
    info: { ...row(name).container, image, project, managed },
  });
  const rows = [
    info('berth-shop-1a2b3c', 'berth-shop-1a2b3c:dev', '/home/me/shop', true),
    info('redis', 'redis:7', null, false),
    info('shop_db_1', 'postgres:16', '/home/me/shop', true),
  ];
  const names = (q: string, only = false) => filterRows(rows, q, only).map((r) => r.info.name);

  it('keeps every row without a filter (the same array)', () => {
    expect(filterRows(rows, '  ', false)).toBe(rows);
  });
  it('matches name, image and folder, case-insensitively, every word', () => {
    expect(names('REDIS')).toEqual(['redis']);
    expect(names('postgres')).toEqual(['shop_db_1']);
    expect(names('me/shop')).toEqual(['berth-shop-1a2b3c', 'shop_db_1']);
    expect(names('shop dev')).toEqual(['berth-shop-1a2b3c']);
    expect(names('nothing-like-this')).toEqual([]);
  });
  it("keeps only Berth's containers when asked", () => {
    expect(names('', true)).toEqual(['berth-shop-1a2b3c', 'shop_db_1']);
    expect(names('redis', true)).toEqual([]);
  });
});
