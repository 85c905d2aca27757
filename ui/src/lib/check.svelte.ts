// The Check view's state: what is checked (the open folder, an image, a container), its
// findings grouped by severity, the finding selected (its file line shown), and an image's
// layers as chart bars. Talks to the app only through `CheckApi`.
import type { CheckedFile } from './bindings/CheckedFile';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { Finding } from './bindings/Finding';
import type { ImageAnalysis } from './bindings/ImageAnalysis';
import type { Report } from './bindings/Report';
import type { Severity } from './bindings/Severity';
import type { CheckApi } from './ipc';
import { toErrorPayload } from './ipc';

export type CheckTarget =
  | { kind: 'folder'; root: string }
  | { kind: 'image'; reference: string }
  | { kind: 'container'; name: string; image: string | null };

/** Worst first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface SeverityGroup {
  severity: Severity;
  findings: Finding[];
}

/** Findings grouped by severity, worst first; empty groups left out (pure). */
export function groupBySeverity(findings: Finding[]): SeverityGroup[] {
  return SEVERITIES.map((severity) => ({ severity, findings: findings.filter((f) => f.severity === severity) })).filter(
    (g) => g.findings.length > 0,
  );
}

/** How a finding's location reads (`Dockerfile:7`, `layer 2: /root/.ssh/id_rsa`). */
export function locationLabel(f: Finding): string {
  const l = f.location;
  if ('file' in l) return `${l.file}:${l.line}`;
  if ('image' in l) return l.layer === null ? l.path : `layer ${l.layer}: ${l.path}`;
  return l.setting;
}

/** The file and line a finding points at, when it points into a file. */
export function fileLine(f: Finding): { file: string; line: number } | null {
  return 'file' in f.location ? { file: f.location.file, line: f.location.line } : null;
}

/** Decimal sizes, as the 100 MB target and `berth image` state them: `412 MB`, `1.2 MB`. */
export function formatSize(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** One layer as a chart segment: where it starts and how wide it is, as fractions of the
 * chart's scale, and the part of it that is wasted. */
export interface LayerBar {
  index: number;
  label: string;
  size: number;
  wasted: number;
  /** Start and width on the stacked bar (0..1 of `scale`). */
  start: number;
  width: number;
  /** Width of the wasted part (0..1 of `scale`). */
  wastedWidth: number;
}

export interface LayerChart {
  bars: LayerBar[];
  /** Bytes the chart's full width stands for: the larger of the image and the target, plus room. */
  scale: number;
  /** Where the 100 MB target line is (0..1). */
  target: number;
  total: number;
}

/** The stacked layer chart of an image analysis (pure). Layers smaller than a pixel still
 * get a sliver so none disappears. */
export function layerChart(a: ImageAnalysis): LayerChart {
  const total = a.layers.reduce((s, l) => s + l.size_bytes, 0);
  const scale = Math.max(total, a.size_bytes, a.target_bytes) * 1.08 || 1;
  let at = 0;
  const bars = a.layers.map((l, index) => {
    const bar: LayerBar = {
      index,
      label: l.created_by || `layer ${index}`,
      size: l.size_bytes,
      wasted: l.wasted_bytes,
      start: at / scale,
      width: Math.max(l.size_bytes / scale, l.size_bytes > 0 ? 0.002 : 0),
      wastedWidth: Math.min(l.wasted_bytes, l.size_bytes) / scale,
    };
    at += l.size_bytes;
    return bar;
  });
  return { bars, scale, target: a.target_bytes / scale, total };
}

export class CheckState {
  target = $state<CheckTarget | null>(null);
  report = $state<Report | null>(null);
  /** The checked folder's files (to show a finding's line). */
  files = $state<CheckedFile[]>([]);
  analysis = $state<ImageAnalysis | null>(null);
  loading = $state(false);
  error = $state<ErrorPayload | null>(null);
  selected = $state<Finding | null>(null);

  #api: CheckApi;
  #seq = 0;

  constructor(api: CheckApi) {
    this.#api = api;
  }

  get groups(): SeverityGroup[] {
    return groupBySeverity(this.report?.findings ?? []);
  }

  get chart(): LayerChart | null {
    return this.analysis ? layerChart(this.analysis) : null;
  }

  /** The selected finding's file and line, with the file's text when it was checked. */
  get selectedFile(): { file: string; line: number; text: string | null } | null {
    const at = this.selected ? fileLine(this.selected) : null;
    if (!at) return null;
    return { ...at, text: this.files.find((f) => f.path === at.file)?.text ?? null };
  }

  select(f: Finding | null): void {
    this.selected = f;
  }

  /** Check the open folder's Dockerfile(s) and compose file. */
  async checkFolder(root: string): Promise<void> {
    await this.#run({ kind: 'folder', root }, async () => {
      const r = await this.#api.checkFolder(root);
      return { report: r.report, files: r.files, analysis: null };
    });
  }

  /** Check an image: its config and layers, and where its size goes. */
  async checkImage(reference: string): Promise<void> {
    const ref = reference.trim();
    if (!ref) return;
    await this.#run({ kind: 'image', reference: ref }, async () => {
      const c = await this.#api.checkImage(ref);
      return { report: c.report, files: [], analysis: c.analysis };
    });
  }

  /** Check a container's applied settings and, when known, its image. */
  async checkContainer(name: string, image: string | null): Promise<void> {
    await this.#run({ kind: 'container', name, image }, async () => {
      const report = await this.#api.checkContainer(name);
      if (!image) return { report, files: [], analysis: null };
      try {
        const c = await this.#api.checkImage(image);
        const findings = [...report.findings, ...c.report.findings];
        const merged: Report = { target: `${name} (${image})`, findings: sortFindings(findings), summary: summarize(findings) };
        return { report: merged, files: [], analysis: c.analysis };
      } catch {
        // The container's own settings still stand when its image cannot be read.
        return { report, files: [], analysis: null };
      }
    });
  }

  /** Check the same target again. */
  async refresh(): Promise<void> {
    const t = this.target;
    if (!t) return;
    if (t.kind === 'folder') await this.checkFolder(t.root);
    else if (t.kind === 'image') await this.checkImage(t.reference);
    else await this.checkContainer(t.name, t.image);
  }

  async #run(
    target: CheckTarget,
    load: () => Promise<{ report: Report; files: CheckedFile[]; analysis: ImageAnalysis | null }>,
  ): Promise<void> {
    const seq = ++this.#seq;
    const same = JSON.stringify(this.target) === JSON.stringify(target);
    this.target = target;
    this.loading = true;
    this.error = null;
    if (!same) {
      this.report = null;
      this.files = [];
      this.analysis = null;
      this.selected = null;
    }
    try {
      const r = await load();
      if (seq !== this.#seq) return;
      this.report = r.report;
      this.files = r.files;
      this.analysis = r.analysis;
      // Keep the selection when the same finding is still there.
      const sel = this.selected;
      this.selected = sel ? (r.report.findings.find((f) => sameFinding(f, sel)) ?? null) : null;
    } catch (e) {
      if (seq === this.#seq) this.error = toErrorPayload(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }
}

function sameFinding(a: Finding, b: Finding): boolean {
  return a.id === b.id && JSON.stringify(a.location) === JSON.stringify(b.location) && a.detail === b.detail;
}

/** Worst first (as the core sorts a report). */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}

export function summarize(findings: Finding[]): Report['summary'] {
  const s = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) s[f.severity]++;
  return s;
}
