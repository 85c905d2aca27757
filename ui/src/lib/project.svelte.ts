// The journey's state: open a folder (drop, picker, typed path) -> detection + plan edits
// -> live preview (debounced) -> confirmed write. Talks to the app only through `Api`.
import type { Api } from './ipc';
import { toErrorPayload } from './ipc';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { OpenedProject } from './bindings/OpenedProject';
import type { PlanEdits } from './bindings/PlanEdits';
import type { ProjectPreview } from './bindings/ProjectPreview';
import type { WriteReport } from './bindings/WriteReport';
import { replacedFiles } from './files';

export type Phase = 'empty' | 'opening' | 'ready';

/** Pick the folder to open from the paths of a drop: the first one; say so when there were more. */
export function pickDropped(paths: string[]): { path: string; notice: string | null } | null {
  const usable = paths.map((p) => p.trim()).filter((p) => p !== '');
  const first = usable[0];
  if (first === undefined) return null;
  const notice =
    usable.length > 1 ? `Opened ${first} (the first of ${usable.length} dropped items).` : null;
  return { path: first, notice };
}

/** A typed or pasted path, without surrounding quotes/whitespace and with `file://` removed. */
export function normalizePath(raw: string): string {
  let p = raw.trim();
  if (p.length >= 2 && (p[0] === '"' || p[0] === "'") && p[p.length - 1] === p[0]) {
    p = p.slice(1, -1);
  }
  if (p.startsWith('file://')) p = decodeURIComponent(p.slice('file://'.length));
  return p;
}

export class ProjectState {
  phase = $state<Phase>('empty');
  /** The path field's text. */
  pathInput = $state('');
  opened = $state<OpenedProject | null>(null);
  /** The user's edits of the plan; never replaced by a failed preview or write. */
  edits = $state<PlanEdits | null>(null);
  preview = $state<ProjectPreview | null>(null);
  previewing = $state(false);
  /** Files awaiting confirmation before they are replaced (null: no dialog). */
  confirming = $state<string[] | null>(null);
  writing = $state(false);
  report = $state<WriteReport | null>(null);
  notice = $state<string | null>(null);
  /** Increases with every successful open (re-opening the same folder resets the form). */
  generation = $state(0);
  openError = $state<ErrorPayload | null>(null);
  previewError = $state<ErrorPayload | null>(null);
  writeError = $state<ErrorPayload | null>(null);

  #api: Api;
  #debounceMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #openSeq = 0;
  #previewSeq = 0;

  constructor(api: Api, debounceMs = 250) {
    this.#api = api;
    this.#debounceMs = debounceMs;
  }

  /** A drop on the window: open the (first) dropped folder. */
  async handleDrop(paths: string[]): Promise<void> {
    const picked = pickDropped(paths);
    if (!picked) return;
    await this.open(picked.path);
    if (!this.openError) this.notice = picked.notice;
  }

  /** Ctrl/Cmd+O or "Choose folder…". */
  async choose(): Promise<void> {
    let picked: string | null;
    try {
      picked = await this.#api.chooseFolder();
    } catch (e) {
      this.openError = toErrorPayload(e);
      return;
    }
    if (picked) await this.open(picked);
  }

  /** Open the folder at `raw` (typed, pasted, picked or dropped). Keeps the current project on failure. */
  async open(raw: string): Promise<void> {
    const path = normalizePath(raw);
    this.pathInput = path;
    this.notice = null;
    if (path === '') {
      this.openError = { kind: 'not_found', message: 'Type or paste the path of a project folder.' };
      return;
    }
    const seq = ++this.#openSeq;
    const previous = this.phase;
    this.phase = 'opening';
    this.openError = null;
    try {
      const opened = await this.#api.openProject(path);
      if (seq !== this.#openSeq) return;
      this.#cancelTimer();
      this.opened = opened;
      // null when no stack was detected: the folder's own Dockerfile/compose file is built as it is.
      this.edits = opened.edits ? structuredClone(opened.edits) : null;
      this.preview = null;
      this.previewError = null;
      this.report = null;
      this.writeError = null;
      this.pathInput = opened.root;
      this.generation++;
      this.phase = 'ready';
      await this.refreshPreview();
    } catch (e) {
      if (seq !== this.#openSeq) return;
      this.openError = toErrorPayload(e);
      this.phase = previous === 'opening' ? (this.opened ? 'ready' : 'empty') : previous;
    }
  }

  /**
   * Stop waiting for the folder being opened (a huge tree, a slow network share): its answer
   * is ignored when it comes and the previous project, if any, stays open.
   */
  cancelOpen(): void {
    if (this.phase !== 'opening') return;
    this.#openSeq++;
    this.phase = this.opened ? 'ready' : 'empty';
    if (this.opened) this.pathInput = this.opened.root;
    this.notice = 'Opening cancelled.';
  }

  /** Change some plan fields; the preview follows after a short pause. */
  edit(patch: Partial<PlanEdits>): void {
    if (!this.edits) return;
    this.edits = { ...this.edits, ...patch };
    this.report = null;
    this.#cancelTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refreshPreview();
    }, this.#debounceMs);
  }

  /** Opened for its own Dockerfile/compose file with no stack detected: nothing to generate. */
  get generates(): boolean {
    return this.opened?.detection != null;
  }

  /** Whether a debounced preview is still waiting to run. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /** Render the current edits now. Only the latest request's answer is kept. */
  async refreshPreview(): Promise<void> {
    const { opened, edits } = this;
    if (!opened || !edits) return;
    this.#cancelTimer();
    const seq = ++this.#previewSeq;
    this.previewing = true;
    try {
      const preview = await this.#api.previewFiles(opened.root, $state.snapshot(edits));
      if (seq !== this.#previewSeq) return;
      this.preview = preview;
      this.previewError = null;
    } catch (e) {
      if (seq !== this.#previewSeq) return;
      this.previewError = toErrorPayload(e);
    } finally {
      if (seq === this.#previewSeq) this.previewing = false;
    }
  }

  /** Ctrl/Cmd+S or "Write files": confirm first when existing files would be replaced. */
  async requestWrite(): Promise<void> {
    if (!this.opened || !this.edits || this.writing) return;
    if (this.pending || !this.preview) await this.refreshPreview();
    if (this.previewError || !this.preview) return;
    const replaced = replacedFiles(this.preview.files);
    if (replaced.length > 0) {
      this.confirming = replaced;
      return;
    }
    await this.#write(false);
  }

  /** The confirm dialog's "Replace (keep backups)". */
  async confirmWrite(): Promise<void> {
    this.confirming = null;
    await this.#write(true);
  }

  cancelWrite(): void {
    this.confirming = null;
  }

  async #write(force: boolean): Promise<void> {
    const { opened, edits } = this;
    if (!opened || !edits) return;
    this.writing = true;
    this.writeError = null;
    this.report = null;
    try {
      // What the preview the user confirmed saw: a file that changed since is not replaced.
      const seen = this.preview?.files.map((f) => ({ name: f.name, seen: f.seen })) ?? null;
      this.report = await this.#api.writeFiles(opened.root, $state.snapshot(edits), force, seen);
      await this.refreshPreview();
    } catch (e) {
      const err = toErrorPayload(e);
      if (err.kind === 'would_overwrite') {
        // A file appeared or changed since the preview (even a confirmed one): refresh and ask.
        await this.refreshPreview();
        this.confirming = this.preview ? replacedFiles(this.preview.files) : [];
      } else {
        this.writeError = err;
      }
    } finally {
      this.writing = false;
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
