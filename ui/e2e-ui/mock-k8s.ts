// The Kubernetes view's commands in the fast UI test: the assessment and a part of the layout
// the core generates for tests/k8s/platform (k8s-data.json, from `berth k8s assess --json` and
// `berth k8s generate`), previewed as if k8s/ held an edited base/namespace.yaml.
import type { Assessment } from '../src/lib/bindings/Assessment';
import type { FieldReport } from '../src/lib/bindings/FieldReport';
import type { FilePreview } from '../src/lib/bindings/FilePreview';
import type { K8sPreview } from '../src/lib/bindings/K8sPreview';
import type { WriteReport } from '../src/lib/bindings/WriteReport';
import data from './k8s-data.json';

const ROOT = '/projects/flask-redis';
const OUT = `${ROOT}/k8s`;
const EDITED = 'namespace.yaml';

export const k8sControls = { written: false, failWrite: false };

function files(ns: string): FilePreview[] {
  return data.files.map((f) => {
    const content = f.content.replaceAll('namespace: shop', `namespace: ${ns}`).replaceAll('name: shop\n', `name: ${ns}\n`);
    const edited = !k8sControls.written && f.name.endsWith(EDITED);
    const existing = k8sControls.written ? content : edited ? content.replace('restricted', 'baseline') : null;
    const status = existing === null ? 'new' : existing === content ? 'unchanged' : 'changed';
    const a = (existing ?? '').split('\n');
    const b = content.split('\n');
    return {
      name: f.name,
      path: `${OUT}/${f.name}`,
      content,
      existing,
      diff: null,
      rows:
        status === 'changed'
          ? b.map((right, i) => ({ same: a[i] === right, left: a[i] ?? null, right, left_no: i + 1, right_no: i + 1 }))
          : [],
      status,
      seen: existing === null ? null : `sha256:${f.name}`,
    } satisfies FilePreview;
  });
}

/** Answers a k8s_* command; `handled` false for any other. */
export function k8sCommand(cmd: string, a: Record<string, unknown>): { handled: boolean; value?: unknown } {
  const ns = (a.namespace as string | null) ?? data.namespace;
  switch (cmd) {
    case 'k8s_assess':
      return { handled: true, value: data.assessment as Assessment };
    case 'k8s_preview':
      return {
        handled: true,
        value: { out_dir: OUT, namespace: ns, files: files(ns), report: data.report as FieldReport[] } satisfies K8sPreview,
      };
    case 'k8s_write': {
      if (k8sControls.failWrite) throw { kind: 'io', message: `${OUT}/base: disk full` };
      const before = files(ns);
      if (!a.force && before.some((f) => f.status === 'changed')) {
        throw { kind: 'would_overwrite', message: `${OUT}/base/${EDITED} already exists` };
      }
      k8sControls.written = true;
      return {
        handled: true,
        value: {
          out_dir: OUT,
          files: before.map((f) => ({
            name: f.name,
            path: f.path,
            status: f.status,
            backup: f.status === 'changed' ? `${f.path}.berth-backup-20261130T120000Z` : null,
          })),
        } satisfies WriteReport,
      };
    }
    default:
      return { handled: false };
  }
}
