// The Run journey's state: engine status -> Run (build progress step n of m, per-step output)
// -> port conflict explained -> waiting healthy -> healthy with a URL, or unhealthy with the
// last log lines, or failed / cancelled -> Stop & remove. Talks to the app only through `RunApi`.
import type { BuildEvent } from './bindings/BuildEvent';
import type { DownReport } from './bindings/DownReport';
import type { EngineInfo } from './bindings/EngineInfo';
import type { Environment } from './bindings/Environment';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { PortConflict } from './bindings/PortConflict';
import type { PortWriteReport } from './bindings/PortWriteReport';
import type { UpEvent } from './bindings/UpEvent';
import type { RunReport } from './bindings/RunReport';
import type { RunnerChoice } from './bindings/RunnerChoice';
import type { RunnerKind } from './bindings/RunnerKind';
import type { PlanEdits } from './bindings/PlanEdits';
import type { ImageCheck } from './bindings/ImageCheck';
import type { Report } from './bindings/Report';
import type { SourcesChanged } from './bindings/SourcesChanged';
import type { LogFollow, RunApi } from './ipc';
import { formatBytes } from './stats/format';
import { toErrorPayload } from './ipc';

export type RunPhase =
  | 'idle'
  | 'building'
  | 'starting'
  | 'cancelling'
  | 'healthy'
  | 'unhealthy'
  | 'failed'
  | 'cancelled'
  | 'stopping'
  | 'stopped';

export interface BuildStep {
  n: number;
  total: number;
  instruction: string;
  cached: boolean;
  output: string[];
}

/** Build progress as the panel shows it, folded from the build's events (pure). */
export interface Progress {
  /** Lines before the first step (context upload, which Dockerfile). */
  preface: string[];
  steps: BuildStep[];
  total: number;
  error: string | null;
  built: boolean;
}

export function emptyProgress(): Progress {
  return { preface: [], steps: [], total: 0, error: null, built: false };
}

/** Output lines kept per step (the rest is summarized). */
export const MAX_STEP_LINES = 500;

export function foldBuildEvent(p: Progress, e: BuildEvent): Progress {
  const steps = p.steps;
  const last = steps[steps.length - 1];
  switch (e.type) {
    case 'context':
      return { ...p, preface: [...p.preface, `sending context: ${e.files} files, ${formatBytes(e.bytes)}`] };
    case 'step':
      return {
        ...p,
        total: e.total,
        steps: [...steps, { n: e.n, total: e.total, instruction: e.instruction, cached: false, output: [] }],
      };
    case 'cached':
      if (!last) return p;
      return { ...p, steps: [...steps.slice(0, -1), { ...last, cached: true }] };
    case 'output': {
      if (!last) return { ...p, preface: [...p.preface, e.line] };
      const output = [...last.output, e.line].slice(-MAX_STEP_LINES);
      return { ...p, steps: [...steps.slice(0, -1), { ...last, output }] };
    }
    case 'error':
      return { ...p, error: e.message };
    case 'built':
      return { ...p, built: true };
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A port typed in the field: a number 1..65535, or null (empty/invalid). */
export function parsePort(raw: string): number | null {
  const t = raw.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 65535 ? n : null;
}

/** How a runner is named on the run card. */
export function runnerLabel(kind: RunnerKind, tool: string | null): string {
  switch (kind) {
    case 'single':
      return 'one container';
    case 'compose_tool':
      return `compose services, with ${tool ?? 'the compose tool'}`;
    case 'engine_api':
      return 'compose services, through the Engine API';
  }
}

/** What the folder's run is built from: Berth's plan (the user's edits, in memory) or the
 * folder's own Dockerfile / compose file. */
export type BuildFrom = 'plan' | 'files';

/** What the open project offers a run (set by `attach`). */
export interface RunSubject {
  root: string;
  /** The plan's current edits (null: no stack detected, nothing to generate). */
  edits: () => PlanEdits | null;
  /** The folder has its own Dockerfile or compose file. */
  ownFiles: boolean;
}

export class RunState {
  engine = $state<EngineInfo | null>(null);
  engineError = $state<ErrorPayload | null>(null);
  checkingEngine = $state(false);

  phase = $state<RunPhase>('idle');
  progress = $state<Progress>(emptyProgress());
  report = $state<RunReport | null>(null);
  /** Which runner the current run uses, and why (from the run's first event). */
  runner = $state<{ runner: RunnerKind; note: string | null } | null>(null);
  /** Build from Berth's plan or the folder's own files (the default: its own files when it has them). */
  from = $state<BuildFrom>('plan');
  /** Publish on every network interface instead of this machine only. */
  expose = $state(false);
  /** The environment of the run (`berth up --env`); null: the plain run (the default). */
  env = $state<Environment | null>(null);
  /** The platform to build and run for (`berth up --platform`); null: the engine's own. */
  platform = $state<string | null>(null);
  error = $state<ErrorPayload | null>(null);
  /** The port field (empty: let Berth choose, starting with the app's port). */
  portInput = $state('');
  /** Why the typed port cannot be used (checked before running). */
  portProblem = $state<string | null>(null);

  confirmingPortWrite = $state(false);
  portWrite = $state<PortWriteReport | null>(null);
  portWriteError = $state<ErrorPayload | null>(null);

  down = $state<DownReport | null>(null);
  downError = $state<ErrorPayload | null>(null);
  openError = $state<ErrorPayload | null>(null);

  /** The folder this state runs (set by `attach`). */
  root = $state<string | null>(null);
  /** Why the app is not on its preferred port: from the last run, or carried over by a
   * rebuild that kept the port chosen then. */
  conflict = $state<PortConflict | null>(null);
  /** Files changed since the last run (the folder is watched after a run): offer a rebuild. */
  changed = $state<string[]>([]);

  /** The check of the files a run builds, made before building. */
  preflight = $state<Report | null>(null);
  /** A run held back by critical findings until "Run anyway". */
  pendingRun = $state<{ hostPort: number | null; runner: RunnerChoice; carried: PortConflict | null } | null>(null);
  /** The built image's findings and size analysis (after a run). */
  imageCheck = $state<ImageCheck | null>(null);
  imageCheckError = $state<ErrorPayload | null>(null);

  #api: RunApi;
  #subject = $state.raw<RunSubject | null>(null);
  #runSeq = 0;
  #watch: LogFollow | null = null;

  constructor(api: RunApi) {
    this.#api = api;
  }

  get api(): RunApi {
    return this.#api;
  }

  get busy(): boolean {
    return this.phase === 'building' || this.phase === 'starting' || this.phase === 'cancelling' || this.phase === 'stopping';
  }

  /** Step n of m, as a fraction 0..1 (the starting/health stage counts as the last part). */
  get fraction(): number {
    const { steps, total, built } = this.progress;
    if (this.phase === 'healthy' || this.phase === 'unhealthy') return 1;
    if (total === 0) return 0;
    const done = built ? total : Math.max(0, steps.length - 1);
    return Math.min(1, (done / total) * 0.9 + (built ? 0.05 : 0));
  }

  /** The container of the last up, while it may still exist. */
  get container(): string | null {
    if (this.phase === 'stopped' || this.phase === 'stopping') return null;
    return this.report?.container ?? null;
  }

  /** The app's URL from the last run. */
  get url(): string | null {
    return this.report?.url ?? null;
  }

  /** Whether both sources exist, so the user chooses what the run builds from. */
  get canChooseSource(): boolean {
    return this.#subject !== null && this.#subject.ownFiles && this.#subject.edits() !== null;
  }

  /** A project (re)opened: forget the previous folder's run, keep the engine status. */
  attach(subject: RunSubject): void {
    this.#subject = subject;
    const root = subject.root;
    if (this.root === root) return;
    this.root = root;
    this.from = subject.ownFiles || subject.edits() === null ? 'files' : 'plan';
    this.expose = false;
    this.env = null;
    this.platform = null;
    this.runner = null;
    this.#runSeq++;
    this.#stopWatching();
    this.phase = 'idle';
    this.progress = emptyProgress();
    this.report = null;
    this.conflict = null;
    this.error = null;
    this.portInput = '';
    this.portProblem = null;
    this.confirmingPortWrite = false;
    this.portWrite = null;
    this.portWriteError = null;
    this.down = null;
    this.downError = null;
    this.openError = null;
    this.preflight = null;
    this.pendingRun = null;
    this.imageCheck = null;
    this.imageCheckError = null;
  }

  /** Connect afresh (a just-started engine is found); the error names what was tried. */
  async checkEngine(): Promise<void> {
    this.checkingEngine = true;
    try {
      this.engine = await this.#api.engineStatus();
      this.engineError = null;
    } catch (e) {
      this.engine = null;
      this.engineError = toErrorPayload(e);
    } finally {
      this.checkingEngine = false;
    }
  }

  /** Run (build, start, wait healthy), on the typed port when there is one (checked first):
   * Berth's plan with its services when it has some (else the app alone), or the folder's own
   * Dockerfile as one container (its compose file runs with `runCompose`). */
  async run(): Promise<void> {
    await this.#start(this.from === 'plan' ? 'auto' : 'single');
  }

  /** Run with compose: every service (Compose v2 when installed, else the Engine API; the
   * result says which), the app on the typed port. */
  async runCompose(): Promise<void> {
    await this.#start('compose');
  }

  async #start(runner: RunnerChoice): Promise<void> {
    if (!this.root || this.busy) return;
    this.portProblem = null;
    const hostPort = this.portInput.trim() === '' ? null : await this.#typedPort();
    if (hostPort === undefined) return;
    if (!(await this.#preflightPasses(hostPort, runner))) return;
    await this.#up(hostPort, null, runner);
  }

  /** Check the files the run is about to build; critical findings hold the run until
   * "Run anyway". A check that cannot run does not hold it (the build reports real errors). */
  async #preflightPasses(
    hostPort: number | null,
    runner: RunnerChoice,
    carried: PortConflict | null = null,
  ): Promise<boolean> {
    const root = this.root;
    if (!root) return false;
    const source = this.from === 'plan' ? 'plan' : 'files';
    const edits = source === 'plan' ? (this.#subject?.edits() ?? null) : null;
    this.pendingRun = null;
    try {
      this.preflight = await this.#api.preflightCheck(root, source, edits);
    } catch {
      this.preflight = null;
      return true;
    }
    if (this.root !== root) return false;
    if (this.preflight.summary.critical > 0) {
      this.pendingRun = { hostPort, runner, carried };
      return false;
    }
    return true;
  }

  /** Build and run despite the critical findings shown. */
  async runAnyway(): Promise<void> {
    const p = this.pendingRun;
    if (!p || this.busy) return;
    this.pendingRun = null;
    await this.#up(p.hostPort, p.carried, p.runner);
  }

  /** Do not run: leave the findings to be fixed. */
  holdRun(): void {
    this.pendingRun = null;
  }

  /** The typed host port: null for "let Berth choose", undefined when it cannot be used
   * (the reason is in `portProblem`). */
  async #typedPort(): Promise<number | null | undefined> {
    this.portProblem = null;
    if (this.portInput.trim() === '') return null;
    const hostPort = parsePort(this.portInput);
    if (hostPort === null) {
      this.portProblem = 'A port is a number from 1 to 65535.';
      return undefined;
    }
    try {
      const check = await this.#api.checkPort(hostPort);
      if (!check.free) {
        this.portProblem = [`Port ${hostPort} is taken.`, check.explanation, check.suggestion].filter(Boolean).join(' ');
        return undefined;
      }
    } catch (e) {
      this.portProblem = toErrorPayload(e).message;
      return undefined;
    }
    return hostPort;
  }

  #reset(): void {
    this.phase = 'building';
    this.progress = emptyProgress();
    this.report = null;
    this.runner = null;
    this.error = null;
    this.down = null;
    this.downError = null;
    this.portWrite = null;
    this.portWriteError = null;
    this.openError = null;
    this.imageCheck = null;
    this.imageCheckError = null;
  }

  #failed(e: unknown): void {
    const err = toErrorPayload(e);
    if (err.kind === 'cancelled') {
      this.phase = 'cancelled';
    } else {
      this.error = err;
      this.phase = 'failed';
      if (err.kind === 'engine_unavailable') this.engineError = err;
    }
  }

  /** Sources changed: build and restart on the same host port (the old container gives it up). */
  async rebuild(): Promise<void> {
    if (!this.root || this.busy) return;
    const runner: RunnerChoice = this.report ? (this.report.runner === 'single' ? 'single' : 'compose') : 'auto';
    const hostPort = this.report?.host_port ?? null;
    const carried = this.conflict;
    if (!(await this.#preflightPasses(hostPort, runner, carried))) return;
    await this.#up(hostPort, carried, runner);
  }

  async #up(hostPort: number | null, carried: PortConflict | null, runner: RunnerChoice): Promise<void> {
    const root = this.root;
    if (!root) return;
    this.#stopWatching();
    this.changed = [];
    const seq = ++this.#runSeq;
    this.#reset();
    const edits = this.from === 'plan' ? (this.#subject?.edits() ?? null) : null;
    try {
      const report = await this.#api.upProject(
        root,
        { source: this.from === 'plan' ? 'plan' : 'files', edits, runner, hostPort, expose: this.expose, env: this.env, platform: this.platform },
        (e) => {
          if (seq === this.#runSeq) this.onEvent(e);
        },
      );
      if (seq !== this.#runSeq) return;
      this.report = report;
      this.conflict =
        report.port_conflict ?? (carried !== null && carried.chosen === report.host_port ? carried : null);
      this.phase = report.healthy ? 'healthy' : 'unhealthy';
      this.engineError = null;
      this.#startWatching(root, seq);
      void this.#checkImage(report.image, seq);
      // The desktop notification ("build finished" / "failed") is sent by the command itself.
    } catch (e) {
      if (seq === this.#runSeq) this.#failed(e);
    }
  }

  onEvent(e: UpEvent): void {
    if (e.type === 'stage') {
      if (this.phase !== 'cancelling') this.phase = e.stage === 'building' ? 'building' : 'starting';
    } else if (e.type === 'runner') {
      this.runner = { runner: e.runner, note: e.note };
    } else {
      this.progress = foldBuildEvent(this.progress, e.event);
    }
  }

  async cancel(): Promise<void> {
    if (!this.root || (this.phase !== 'building' && this.phase !== 'starting')) return;
    this.phase = 'cancelling';
    try {
      await this.#api.cancelUp(this.root);
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  /** Stop & remove: the folder's containers and (by default) the images Berth built for it. */
  async stop(removeImages = true): Promise<void> {
    if (!this.root || this.busy) return;
    const before = this.phase;
    this.phase = 'stopping';
    this.#stopWatching();
    this.changed = [];
    this.downError = null;
    try {
      this.down = await this.#api.downProject(this.root, removeImages);
      this.phase = 'stopped';
    } catch (e) {
      this.downError = toErrorPayload(e);
      this.phase = before;
    }
  }

  /** The built image's findings and size analysis, for the run card. */
  async #checkImage(image: string, seq: number): Promise<void> {
    this.imageCheck = null;
    this.imageCheckError = null;
    if (!image) return;
    try {
      const c = await this.#api.checkImage(image);
      if (seq === this.#runSeq) this.imageCheck = c;
    } catch (e) {
      if (seq === this.#runSeq) this.imageCheckError = toErrorPayload(e);
    }
  }

  #startWatching(root: string, seq: number): void {
    const onChange = (c: SourcesChanged) => {
      if (seq !== this.#runSeq) return;
      this.changed = [...new Set([...this.changed, ...c.paths])];
    };
    const w = this.#api.watchProject(root, onChange);
    this.#watch = w;
    // Watching is an offer, not a must: a folder that cannot be watched just gets no offer.
    w.done.catch(() => {});
  }

  #stopWatching(): void {
    const w = this.#watch;
    this.#watch = null;
    if (w) void w.stop().catch(() => {});
  }

  async openInBrowser(): Promise<void> {
    const url = this.url;
    if (!url) return;
    this.openError = null;
    try {
      await this.#api.openUrl(url);
    } catch (e) {
      this.openError = toErrorPayload(e);
    }
  }

  /** Use another port: fill the field and run again. */
  async runOn(port: number): Promise<void> {
    this.portInput = String(port);
    await this.run();
  }

  /** The port to offer writing into compose.yaml: the one the app now runs on, when it differs. */
  get portToWrite(): number | null {
    const r = this.report;
    if (!r || r.host_port === null || !this.conflict) return null;
    return r.host_port;
  }

  requestPortWrite(): void {
    if (this.portToWrite !== null) this.confirmingPortWrite = true;
  }

  cancelPortWrite(): void {
    this.confirmingPortWrite = false;
  }

  async confirmPortWrite(): Promise<void> {
    this.confirmingPortWrite = false;
    const port = this.portToWrite;
    if (!this.root || port === null) return;
    this.portWriteError = null;
    try {
      this.portWrite = await this.#api.writePort(this.root, port);
    } catch (e) {
      this.portWriteError = toErrorPayload(e);
    }
  }
}
