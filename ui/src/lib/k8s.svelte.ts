// The Kubernetes view's state: the assessment of the opened folder, its compose file as a
// Kustomize layout (previewed against `<folder>/k8s`), and the confirmed write. Talks to the
// app only through `K8sApi`.
import type { K8sApi } from './ipc';
import { toErrorPayload } from './ipc';
import type { Assessment } from './bindings/Assessment';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { FieldReport } from './bindings/FieldReport';
import type { K8sPreview } from './bindings/K8sPreview';
import type { WriteReport } from './bindings/WriteReport';
import { replacedFiles } from './files';

/** The report's lines counted by outcome. */
export function outcomeCounts(report: FieldReport[]): Record<FieldReport['outcome'], number> {
  const counts = { translated: 0, defaulted: 0, dropped: 0 };
  for (const r of report) counts[r.outcome] += 1;
  return counts;
}

/** The layout's files grouped by folder (`base`, `overlays/dev`, `overlays/prod`), in order. */
export function groupFiles<T extends { name: string }>(files: T[]): Array<{ folder: string; files: T[] }> {
  const groups: Array<{ folder: string; files: T[] }> = [];
  for (const f of files) {
    const cut = f.name.lastIndexOf('/');
    const folder = cut < 0 ? '' : f.name.slice(0, cut);
    let g = groups.find((x) => x.folder === folder);
    if (!g) groups.push((g = { folder, files: [] }));
    g.files.push(f);
  }
  return groups;
}

/** A namespace as the user typed it: trimmed, null when empty (the project's name is used). */
export function namespaceArg(typed: string): string | null {
  const t = typed.trim();
  return t === '' ? null : t;
}

export class K8sState {
  root = $state<string | null>(null);
  assessment = $state<Assessment | null>(null);
  assessError = $state<ErrorPayload | null>(null);
  preview = $state<K8sPreview | null>(null);
  previewError = $state<ErrorPayload | null>(null);
  loading = $state(false);
  namespace = $state('');
  /** The file shown (its name), null: the first one. */
  selected = $state<string | null>(null);
  /** Files awaiting confirmation before they are replaced (null: no dialog). */
  confirming = $state<string[] | null>(null);
  writing = $state(false);
  report = $state<WriteReport | null>(null);
  writeError = $state<ErrorPayload | null>(null);
  #api: K8sApi;
  /** Answers for an older folder or namespace are dropped. */
  #generation = 0;

  constructor(api: K8sApi) {
    this.#api = api;
  }

  /** The file shown: the selected one, else the first. */
  get current() {
    const files = this.preview?.files ?? [];
    return files.find((f) => f.name === this.selected) ?? files[0] ?? null;
  }

  /** Assess the folder and preview its layout (once per folder; `force` reloads). */
  async load(root: string, force = false): Promise<void> {
    if (this.root === root && !force && (this.assessment || this.assessError)) return;
    const gen = ++this.#generation;
    if (this.root !== root) {
      this.assessment = null;
      this.preview = null;
      this.report = null;
      this.selected = null;
    }
    this.root = root;
    this.loading = true;
    this.assessError = null;
    this.previewError = null;
    const ns = namespaceArg(this.namespace);
    const [a, p] = await Promise.allSettled([this.#api.assess(root), this.#api.preview(root, ns)]);
    if (gen !== this.#generation) return;
    if (a.status === 'fulfilled') this.assessment = a.value;
    else this.assessError = toErrorPayload(a.reason);
    if (p.status === 'fulfilled') this.preview = p.value;
    else {
      this.preview = null;
      this.previewError = toErrorPayload(p.reason);
    }
    this.loading = false;
  }

  /** Preview again (after a namespace change or a write). */
  async refreshPreview(): Promise<void> {
    const root = this.root;
    if (!root) return;
    const gen = ++this.#generation;
    try {
      const p = await this.#api.preview(root, namespaceArg(this.namespace));
      if (gen !== this.#generation) return;
      this.preview = p;
      this.previewError = null;
    } catch (e) {
      if (gen !== this.#generation) return;
      this.previewError = toErrorPayload(e);
    }
  }

  async setNamespace(ns: string): Promise<void> {
    if (ns === this.namespace) return;
    this.namespace = ns;
    this.report = null;
    await this.refreshPreview();
  }

  /** "Write to k8s/": confirm first when existing files would be replaced. */
  async requestWrite(): Promise<void> {
    if (!this.root || this.writing || !this.preview) return;
    const replaced = replacedFiles(this.preview.files);
    if (replaced.length > 0) {
      this.confirming = replaced;
      return;
    }
    await this.#write(false);
  }

  async confirmWrite(): Promise<void> {
    this.confirming = null;
    await this.#write(true);
  }

  cancelWrite(): void {
    this.confirming = null;
  }

  async #write(force: boolean): Promise<void> {
    const root = this.root;
    if (!root) return;
    this.writing = true;
    this.writeError = null;
    this.report = null;
    try {
      // What the preview the user confirmed saw: a file that changed since is not replaced.
      const seen = this.preview?.files.map((f) => ({ name: f.name, seen: f.seen })) ?? null;
      this.report = await this.#api.write(root, namespaceArg(this.namespace), force, seen);
      await this.refreshPreview();
    } catch (e) {
      const err = toErrorPayload(e);
      if (err.kind === 'would_overwrite') {
        // A file appeared or changed since the preview: refresh and ask again.
        await this.refreshPreview();
        this.confirming = this.preview ? replacedFiles(this.preview.files) : [];
      } else {
        this.writeError = err;
      }
    } finally {
      this.writing = false;
    }
  }
}
