// The Deploy panel's state: choose the environment and the target engine -> Deploy (the
// validations, the rollout's steps and the build's progress) -> deployed with the URL, rolled
// back with the reason and the new version's last log lines, or refused with the failed
// validations; the folder's history with Rollback. Talks to the app only through `DeployApi`.
import type { DeployEvent } from './bindings/DeployEvent';
import type { DeployRecord } from './bindings/DeployRecord';
import type { DeployReport } from './bindings/DeployReport';
import type { DeployTarget } from './bindings/DeployTarget';
import type { Environment } from './bindings/Environment';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { PlanEdits } from './bindings/PlanEdits';
import type { Source } from './bindings/Source';
import type { DeployApi } from './ipc';
import { toErrorPayload } from './ipc';
import { emptyProgress, foldBuildEvent, type Progress } from './run.svelte';

export type DeployPhase = 'idle' | 'deploying' | 'cancelling' | 'rolling_back' | 'done' | 'failed' | 'cancelled';

/** The target picker's value for "another engine": the typed address or context. */
export const OTHER = 'other';

/** What the open project deploys (set by `attach`): the Run view's "Build from" choice. */
export interface DeploySubject {
  root: string;
  source: () => Source;
  edits: () => PlanEdits | null;
}

/** A typed engine: an address (`unix:///…`, `tcp://…`, `ssh://…`) or a docker context's
 * name; null with the reason when it cannot be one (pure). */
export function parseEngine(raw: string): { engine: string | null; problem: string | null } {
  const t = raw.trim();
  if (t === '') return { engine: null, problem: 'Type an engine address (unix:///path, tcp://host:port) or a docker context name.' };
  if (/\s/.test(t)) return { engine: null, problem: 'An engine address or context name has no spaces.' };
  if (t.includes('://') ? !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(t) : !/^[\w][\w.@-]*$/.test(t)) {
    return { engine: null, problem: `${t} is neither an address (unix:///path, tcp://host:port) nor a context name.` };
  }
  return { engine: t, problem: null };
}

/** How an outcome is named to the user. */
export function outcomeLabel(o: DeployReport['outcome']): string {
  switch (o) {
    case 'deployed':
      return 'Deployed';
    case 'rolled_back':
      return 'Rolled back';
    case 'refused':
      return 'Refused';
  }
}

export class DeployState {
  env = $state<Environment>('prod');
  targets = $state<DeployTarget[]>([]);
  targetsError = $state<ErrorPayload | null>(null);
  /** The picked target: its index in `targets` as a string, or `OTHER`. */
  picked = $state('0');
  /** The typed engine when `picked` is `OTHER`. */
  other = $state('');
  engineProblem = $state<string | null>(null);

  phase = $state<DeployPhase>('idle');
  /** The rollout's steps so far (validated, building, candidate healthy, switched …). */
  steps = $state<string[]>([]);
  progress = $state<Progress>(emptyProgress());
  report = $state<DeployReport | null>(null);
  /** Whether `report` answers a rollback (else a deploy). */
  rolledBackByUser = $state(false);
  error = $state<ErrorPayload | null>(null);
  history = $state<DeployRecord[]>([]);
  historyError = $state<ErrorPayload | null>(null);
  openError = $state<ErrorPayload | null>(null);
  root = $state<string | null>(null);

  #api: DeployApi;
  #subject = $state.raw<DeploySubject | null>(null);
  #seq = 0;

  constructor(api: DeployApi) {
    this.#api = api;
  }

  get busy(): boolean {
    return this.phase === 'deploying' || this.phase === 'cancelling' || this.phase === 'rolling_back';
  }

  /** The engine to pass: undefined when the typed one cannot be used (see `engineProblem`). */
  get engine(): string | null | undefined {
    if (this.picked === OTHER) return parseEngine(this.other).engine ?? undefined;
    return this.targets[Number(this.picked)]?.engine ?? null;
  }

  /** The deployments, newest first. */
  get recent(): DeployRecord[] {
    return [...this.history].reverse();
  }

  /** A project (re)opened: forget the previous folder's deploy, keep the targets. */
  attach(subject: DeploySubject): void {
    this.#subject = subject;
    if (this.root === subject.root) return;
    this.root = subject.root;
    this.#seq++;
    this.phase = 'idle';
    this.steps = [];
    this.progress = emptyProgress();
    this.report = null;
    this.error = null;
    this.openError = null;
    this.history = [];
    this.historyError = null;
    void this.loadHistory();
  }

  async loadTargets(): Promise<void> {
    try {
      this.targets = await this.#api.targets();
      this.targetsError = null;
      if (this.picked !== OTHER && Number(this.picked) >= this.targets.length) this.picked = '0';
    } catch (e) {
      this.targetsError = toErrorPayload(e);
    }
  }

  async loadHistory(): Promise<void> {
    const root = this.root;
    if (!root) return;
    try {
      const h = await this.#api.history(root);
      if (this.root !== root) return;
      this.history = h;
      this.historyError = null;
    } catch (e) {
      if (this.root === root) this.historyError = toErrorPayload(e);
    }
  }

  #begin(phase: DeployPhase): { root: string; engine: string | null; seq: number } | null {
    const root = this.root;
    if (!root || this.busy) return null;
    this.engineProblem = null;
    const engine = this.engine;
    if (engine === undefined) {
      this.engineProblem = parseEngine(this.other).problem;
      return null;
    }
    const seq = ++this.#seq;
    this.phase = phase;
    this.steps = [];
    this.progress = emptyProgress();
    this.report = null;
    this.error = null;
    this.openError = null;
    return { root, engine, seq };
  }

  onEvent(e: DeployEvent): void {
    if (e.type === 'step') this.steps = [...this.steps, e.message];
    else this.progress = foldBuildEvent(this.progress, e.event);
  }

  /** Validate, build and roll out in `env` on the picked engine. */
  async deploy(): Promise<void> {
    const b = this.#begin('deploying');
    if (!b) return;
    const source = this.#subject?.source() ?? 'auto';
    const edits = source === 'plan' ? (this.#subject?.edits() ?? null) : null;
    this.rolledBackByUser = false;
    await this.#finish(
      b.seq,
      this.#api.deploy(b.root, { env: this.env, engine: b.engine, source, edits }, (e) => {
        if (b.seq === this.#seq) this.onEvent(e);
      }),
    );
  }

  /** Return `env` on the picked engine to the previous healthy version. */
  async rollback(): Promise<void> {
    const b = this.#begin('rolling_back');
    if (!b) return;
    this.rolledBackByUser = true;
    await this.#finish(
      b.seq,
      this.#api.rollback(b.root, this.env, b.engine, (e) => {
        if (b.seq === this.#seq) this.onEvent(e);
      }),
    );
  }

  async #finish(seq: number, pending: Promise<DeployReport>): Promise<void> {
    try {
      const r = await pending;
      if (seq !== this.#seq) return;
      this.report = r;
      this.phase = 'done';
      // The tray notification is sent by the command itself.
    } catch (e) {
      if (seq !== this.#seq) return;
      const err = toErrorPayload(e);
      if (err.kind === 'cancelled') this.phase = 'cancelled';
      else {
        this.error = err;
        this.phase = 'failed';
      }
    }
    await this.loadHistory();
  }

  /** Cancel the running deploy (while it builds; a rollout in progress finishes or rolls back). */
  async cancel(): Promise<void> {
    if (!this.root || this.phase !== 'deploying') return;
    this.phase = 'cancelling';
    try {
      await this.#api.cancel(this.root);
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  async openInBrowser(): Promise<void> {
    const url = this.report?.url;
    if (!url) return;
    this.openError = null;
    try {
      await this.#api.openUrl(url);
    } catch (e) {
      this.openError = toErrorPayload(e);
    }
  }
}
