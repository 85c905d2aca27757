// State of one container's detail charts: columnar series (uPlot's data layout) seeded from
// the history backlog and extended by live samples, bounded like the backend's ring, and
// cut to the selected time window. Tested in detail.test.ts.
import type { StatsApi } from '../ipc';
import { toErrorPayload } from '../ipc';
import type { ErrorPayload } from '../bindings/ErrorPayload';
import type { StatsPoint } from '../bindings/StatsPoint';

/** Selectable windows, in seconds (1, 5 and 15 minutes). */
export const WINDOWS = [60, 300, 900] as const;
export type WindowSec = (typeof WINDOWS)[number];
/** Points kept: 15 minutes at one a second, like the backend's HISTORY_CAPACITY. */
export const DETAIL_CAPACITY = 900;

export type Column = 't' | 'cpu' | 'mem' | 'memLimit' | 'rx' | 'tx' | 'rd' | 'wr';
const COLUMNS: Column[] = ['t', 'cpu', 'mem', 'memLimit', 'rx', 'tx', 'rd', 'wr'];

type Point = Pick<
  StatsPoint,
  'ts_ms' | 'cpu_percent' | 'mem_bytes' | 'mem_limit_bytes' | 'net_rx_bps' | 'net_tx_bps' | 'blk_read_bps' | 'blk_write_bps'
>;

export class DetailState {
  windowSec = $state<WindowSec>(60);
  /** Bumped on every change (the charts call setData on it). */
  version = $state(0);
  loading = $state(true);
  error = $state.raw<ErrorPayload | null>(null);
  /** Columns, oldest first; `t` in Unix seconds (uPlot's x scale). */
  readonly cols: Record<Column, number[]> = {
    t: [], cpu: [], mem: [], memLimit: [], rx: [], tx: [], rd: [], wr: [],
  };

  constructor(
    private api: StatsApi,
    readonly id: string,
  ) {}

  get length(): number {
    return this.cols.t.length;
  }

  /** Load the backlog; samples pushed meanwhile are kept (merged by time). */
  async load(): Promise<void> {
    this.loading = true;
    try {
      const backlog = await this.api.containerHistory(this.id);
      const live = COLUMNS.map((c) => this.cols[c].splice(0));
      for (const p of backlog) this.append(p);
      const [t, cpu, mem, memLimit, rx, tx, rd, wr] = live as number[][];
      for (let i = 0; i < (t?.length ?? 0); i++) {
        this.appendRow([t![i]!, cpu![i]!, mem![i]!, memLimit![i]!, rx![i]!, tx![i]!, rd![i]!, wr![i]!]);
      }
      this.error = null;
    } catch (e) {
      this.error = toErrorPayload(e);
    } finally {
      this.loading = false;
      this.version++;
    }
  }

  /** One live sample (or point). Older-or-equal timestamps are ignored. */
  push(p: Point): void {
    if (this.append(p)) this.version++;
  }

  private append(p: Point): boolean {
    return this.appendRow([
      p.ts_ms / 1000,
      p.cpu_percent,
      p.mem_bytes,
      p.mem_limit_bytes,
      p.net_rx_bps,
      p.net_tx_bps,
      p.blk_read_bps,
      p.blk_write_bps,
    ]);
  }

  private appendRow(row: number[]): boolean {
    const last = this.cols.t.at(-1);
    if (last !== undefined && (row[0] as number) <= last) return false;
    COLUMNS.forEach((c, i) => this.cols[c].push(row[i] as number));
    if (this.cols.t.length > DETAIL_CAPACITY) {
      const drop = this.cols.t.length - DETAIL_CAPACITY;
      for (const c of COLUMNS) this.cols[c].splice(0, drop);
    }
    return true;
  }

  /** uPlot data for `columns` over the selected window: `[t, ...series]`. */
  view(columns: Column[]): number[][] {
    const t = this.cols.t;
    const end = t.at(-1) ?? 0;
    let from = 0;
    while (from < t.length && (t[from] as number) < end - this.windowSec) from++;
    return [t.slice(from), ...columns.map((c) => this.cols[c].slice(from))];
  }

  setWindow(w: WindowSec): void {
    this.windowSec = w;
    this.version++;
  }
}
