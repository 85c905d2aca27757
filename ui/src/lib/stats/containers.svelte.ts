// State of the containers view: one row object per container whose few reactive fields
// change in place, so a sample re-renders that row's numbers and sparklines only. Batches
// from the live channel are queued and applied once per animation frame (coalesced), and
// container events trigger one debounced re-list. While the window is hidden or minimised
// the live channel is closed, so nothing is sent, applied or painted (pause/resume). Compose projects are grouped (groups.ts), with group
// actions. Tested in containers.test.ts.
import type { StatsApi } from '../ipc';
import { toErrorPayload } from '../ipc';
import type { ContainerInfo } from '../bindings/ContainerInfo';
import type { ContainerRow } from '../bindings/ContainerRow';
import type { ErrorPayload } from '../bindings/ErrorPayload';
import type { Health } from '../bindings/Health';
import type { HostCapacity } from '../bindings/HostCapacity';
import type { LifecycleAction } from '../bindings/LifecycleAction';
import type { StatsBatch } from '../bindings/StatsBatch';
import type { StatsPoint } from '../bindings/StatsPoint';
import type { StatsSample } from '../bindings/StatsSample';
import { NumberRing } from './format';
import { sections, type Section } from './groups';

/** Points per sparkline: the last minute at one sample a second. */
export const SPARK_POINTS = 60;
/** Container events within this long cause one re-list. */
export const RELIST_DEBOUNCE_MS = 250;

export type Schedule = (cb: () => void) => void;

const nextFrame: Schedule = (cb) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => cb());
  else setTimeout(cb, 16);
};

export class ContainerRowState {
  readonly id: string;
  info = $state.raw() as ContainerInfo;
  health = $state<Health | null>(null);
  cpu = $state<number | null>(null);
  mem = $state<number | null>(null);
  memLimit = $state(0);
  /** Bumped whenever the sparkline rings change (the canvases redraw on it). */
  version = $state(0);
  busy = $state<LifecycleAction | null>(null);
  readonly cpuRing = new NumberRing(SPARK_POINTS);
  readonly memRing = new NumberRing(SPARK_POINTS);

  constructor(row: ContainerRow) {
    this.id = row.container.id;
    this.update(row);
    if (row.sample) this.push(row.sample);
  }

  get running(): boolean {
    return this.info.state === 'running';
  }

  update(row: ContainerRow): void {
    this.info = row.container;
    this.health = row.health;
    if (row.container.state !== 'running') {
      this.cpu = null;
      this.mem = null;
    }
  }

  /** Rebuild the sparklines from the hub's history (oldest first; the last minute is kept). */
  refill(points: readonly StatsPoint[]): void {
    this.cpuRing.clear();
    this.memRing.clear();
    for (const p of points.slice(-SPARK_POINTS)) {
      this.cpuRing.push(p.cpu_percent);
      this.memRing.push(p.mem_bytes);
    }
    const last = points[points.length - 1];
    if (last && this.running) {
      this.cpu = last.cpu_percent;
      this.mem = last.mem_bytes;
      this.memLimit = last.mem_limit_bytes;
    }
    this.version++;
  }

  push(s: StatsSample): void {
    this.cpuRing.push(s.cpu_percent);
    this.memRing.push(s.mem_bytes);
    this.cpu = s.cpu_percent;
    this.mem = s.mem_bytes;
    this.memLimit = s.mem_limit_bytes;
    this.version++;
  }
}

export type SampleListener = (s: StatsSample) => void;

/**
 * The rows a filter keeps: `query` (case-insensitive, any of its words) matched against the
 * name, image, project folder and compose project; `onlyBerth` keeps the containers Berth
 * created.
 */
export function filterRows<R extends { info: ContainerInfo }>(rows: R[], query: string, onlyBerth: boolean): R[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0 && !onlyBerth) return rows;
  return rows.filter((r) => {
    if (onlyBerth && !r.info.managed) return false;
    const hay = `${r.info.name} ${r.info.image} ${r.info.project ?? ''} ${r.info.compose_project ?? ''}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export class ContainersState {
  rows = $state.raw<ContainerRowState[]>([]);
  host = $state.raw<HostCapacity | null>(null);
  /** null until the first answer; false while no engine answers. */
  connected = $state<boolean | null>(null);
  error = $state.raw<ErrorPayload | null>(null);
  /** The container whose detail is shown. */
  selected = $state<string | null>(null);
  confirmingRemove = $state.raw<ContainerRowState | null>(null);
  /** The compose project whose containers are about to be removed (the dialog asks first). */
  confirmingGroupRemove = $state.raw<Section<ContainerRowState> | null>(null);
  /** Compose projects shown folded (their rows are not rendered). */
  collapsed = $state.raw<ReadonlySet<string>>(new Set());
  /** The window is hidden or minimised: batches are not applied, nothing repaints. */
  paused = $state(false);
  /** Bumped once per applied frame (the overview strip redraws on it). */
  frame = $state(0);
  /** The list's filter (see filterRows); kept while the app runs. */
  query = $state('');
  onlyBerth = $state(false);

  private byId = new Map<string, ContainerRowState>();
  private pending: StatsBatch[] = [];
  private scheduled = false;
  private relistTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Bumped whenever the channel closes: a subscription answered after that is closed at once. */
  private channelGen = 0;
  private listeners = new Set<SampleListener>();
  private stopped = false;

  constructor(
    private api: StatsApi,
    private schedule: Schedule = nextFrame,
  ) {}

  /** Subscribe to the live channel and load the list and the host's capacity. */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.paused) await this.openChannel();
    await Promise.all([this.refresh(), this.loadHost()]);
  }

  /** The view closed: cancel the channel and timers. */
  stop(): void {
    this.stopped = true;
    this.closeChannel();
    if (this.relistTimer) clearTimeout(this.relistTimer);
    this.relistTimer = null;
    this.pending = [];
  }

  async loadHost(): Promise<void> {
    try {
      this.host = await this.api.hostCapacity();
    } catch {
      this.host = null;
    }
  }

  /** Re-read the container list, keeping the row objects (and their sparklines) by id. */
  async refresh(): Promise<void> {
    try {
      const list = await this.api.listContainers();
      const next = new Map<string, ContainerRowState>();
      for (const row of list) {
        const existing = this.byId.get(row.container.id);
        if (existing) existing.update(row);
        next.set(row.container.id, existing ?? new ContainerRowState(row));
      }
      this.byId = next;
      this.rows = [...next.values()];
      this.error = null;
      this.connected = true;
      if (this.selected && !next.has(this.selected)) this.selected = null;
    } catch (e) {
      const err = toErrorPayload(e);
      this.error = err;
      if (err.kind === 'engine_unavailable') this.connected = false;
    }
    this.frame++;
  }

  /** Subscribe to the live channel (once: an older subscription is closed first). */
  private async openChannel(): Promise<void> {
    this.closeChannel();
    const gen = this.channelGen;
    const off = await this.api.subscribeStats((b) => this.onBatch(b));
    if (gen !== this.channelGen || this.stopped || this.paused) off();
    else this.unsubscribe = off;
  }

  /** Unsubscribe: the backend stops forwarding to this view (the hub keeps its history). */
  private closeChannel(): void {
    this.channelGen++;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** A batch from the channel: queued and applied on the next animation frame. */
  onBatch(batch: StatsBatch): void {
    // A batch already on its way when the channel closed: the rows catch up on resume (a
    // hidden page runs no animation frames, so a queue would only grow).
    if (this.stopped || this.paused) return;
    this.pending.push(batch);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Apply every queued batch at once. */
  flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = [];
    if (batches.length === 0) return;
    let relist = false;
    for (const b of batches) {
      if (b.connected !== this.connected) {
        relist = relist || b.connected;
        this.connected = b.connected;
      }
      for (const s of b.samples) {
        const row = this.byId.get(s.id);
        if (row) row.push(s);
        else relist = true;
        for (const l of this.listeners) l(s);
      }
      if (b.events.length) relist = true;
    }
    if (relist) this.relistSoon();
    this.frame++;
  }

  private relistSoon(): void {
    if (this.relistTimer) return;
    this.relistTimer = setTimeout(() => {
      this.relistTimer = null;
      if (!this.stopped) void this.refresh();
    }, RELIST_DEBOUNCE_MS);
  }

  /**
   * The window was hidden or minimised: the live channel closes (the backend sends nothing;
   * the hub keeps its history), nothing is applied or painted.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pending = [];
    this.closeChannel();
  }

  /**
   * The window shows again: the channel reopens, each running row's sparklines are refilled
   * from the hub's history (the time they missed) and the list is re-read.
   */
  async resume(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    if (this.stopped) return;
    const running = this.rows.filter((r) => r.running);
    await Promise.all(
      running.map(async (r) => {
        try {
          r.refill(await this.api.containerHistory(r.id));
        } catch {
          // Gone meanwhile: the re-list below drops it.
        }
      }),
    );
    // Reopened after the refill: a sample sent meanwhile is not drawn twice.
    if (!this.paused && !this.stopped) await this.openChannel();
    await this.refresh();
  }

  /** Every sample as it is applied (the detail charts). Returns the remover. */
  onSample(l: SampleListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The rows the list shows: every row, or those the filter keeps. */
  get visible(): ContainerRowState[] {
    return filterRows(this.rows, this.query, this.onlyBerth);
  }

  /** The shown rows in sections: compose projects grouped, lone containers between. */
  get sections(): Section<ContainerRowState>[] {
    return sections(this.visible);
  }

  /** Fold or unfold a compose project's rows. */
  toggleGroup(project: string): void {
    const next = new Set(this.collapsed);
    if (!next.delete(project)) next.add(project);
    this.collapsed = next;
  }

  row(id: string): ContainerRowState | undefined {
    return this.byId.get(id);
  }

  /** Sum of the running containers' CPU (docker scale: 100 = one core) and memory. */
  get totals(): { cpu: number; mem: number } {
    let cpu = 0;
    let mem = 0;
    for (const r of this.rows) {
      if (!r.running) continue;
      cpu += r.cpu ?? 0;
      mem += r.mem ?? 0;
    }
    return { cpu, mem };
  }

  /** Start/stop/restart now; remove asks first (see confirmRemove). */
  async act(row: ContainerRowState, action: LifecycleAction): Promise<void> {
    if (action === 'remove') {
      this.confirmingRemove = row;
      return;
    }
    await this.run(row, action);
  }

  /** Open a published host port in the browser (`http://localhost:<port>`). */
  async openPort(port: number): Promise<void> {
    try {
      await this.api.openUrl(`http://localhost:${port}`);
      this.error = null;
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  /** Remove the container being confirmed. Berth's own containers go with their anonymous
   * volumes; another tool's keep them unless `withVolumes` (the dialog asks). */
  async confirmRemove(withVolumes = false): Promise<void> {
    const row = this.confirmingRemove;
    this.confirmingRemove = null;
    if (row) await this.run(row, row.info.managed || withVolumes ? 'remove_with_volumes' : 'remove');
  }

  cancelRemove(): void {
    this.confirmingRemove = null;
  }

  /**
   * A compose project's group action, in dependency order by the backend (`group_lifecycle`:
   * dependencies start first and stop last): start them all, stop them all, or remove them
   * all (asks first: see confirmGroupRemove).
   */
  async actGroup(group: Section<ContainerRowState>, action: 'start' | 'stop' | 'remove'): Promise<void> {
    if (action === 'remove') {
      this.confirmingGroupRemove = group;
      return;
    }
    await this.runGroup(group, action);
  }

  /** Remove every container of the group being confirmed: Berth's with their anonymous
   * volumes, another tool's keeping them unless `withVolumes` (the backend decides per container). */
  async confirmGroupRemove(withVolumes = false): Promise<void> {
    const group = this.confirmingGroupRemove;
    this.confirmingGroupRemove = null;
    if (!group) return;
    await this.runGroup(group, withVolumes ? 'remove_with_volumes' : 'remove');
  }

  /** One group action, then one re-list; a failure on some containers is shown with how many. */
  private async runGroup(group: Section<ContainerRowState>, action: LifecycleAction): Promise<void> {
    if (group.project === null) return;
    for (const r of group.rows) r.busy = action === 'remove_with_volumes' ? 'remove' : action;
    let error: ErrorPayload | null = null;
    try {
      const report = await this.api.groupLifecycle(group.project, action);
      const [first, ...more] = report.failed;
      if (first) {
        const message = `${first.container}: ${first.error}`;
        error = { kind: 'engine', message: more.length > 0 ? `${message} (and ${more.length} more failed)` : message };
      }
    } catch (e) {
      error = toErrorPayload(e);
    } finally {
      for (const r of group.rows) r.busy = null;
    }
    // Re-list first: a successful re-list clears the error, the action's must stay shown.
    await this.refresh();
    if (error) this.error = error;
  }

  cancelGroupRemove(): void {
    this.confirmingGroupRemove = null;
  }

  /** One container's action, then one re-list; its failure stays shown. */
  private async run(row: ContainerRowState, action: LifecycleAction): Promise<void> {
    const failed = await this.exec(row, action);
    // Re-list first: a successful re-list clears the error, the action's must stay shown.
    await this.refresh();
    if (failed) this.error = failed;
  }

  private async exec(row: ContainerRowState, action: LifecycleAction): Promise<ErrorPayload | null> {
    row.busy = action === 'remove_with_volumes' ? 'remove' : action;
    try {
      await this.api.containerLifecycle(row.info.name, action);
      return null;
    } catch (e) {
      return toErrorPayload(e);
    } finally {
      row.busy = null;
    }
  }
}
