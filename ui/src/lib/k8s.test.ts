import { describe, expect, it, vi } from 'vitest';
import { K8sState, groupFiles, namespaceArg, outcomeCounts } from './k8s.svelte';
import type { K8sApi } from './ipc';
import type { Assessment } from './bindings/Assessment';
import type { K8sPreview } from './bindings/K8sPreview';
import type { FilePreview } from './bindings/FilePreview';
import type { WriteReport } from './bindings/WriteReport';

// Hand-built answers standing in for the app's: what is under test is what the view state
// does around the calls (which folder and namespace, what is kept, when it asks first).
const ASSESSMENT: Assessment = {
  recommendation: 'kubernetes',
  score: 64,
  summary: 'Kubernetes (score 64/100, from 40): 3 app service(s).',
  signals: [
    {
      id: 'workers',
      value: ['worker'],
      points: 10,
      detail: '1 background worker(s)',
      evidence: [{ file: 'compose.yaml', line: 43, detail: 'app service without a port' }],
      source: { title: 'The Twelve-Factor App: VIII. Concurrency', url: 'https://12factor.net/concurrency' },
    },
  ],
  readiness: [],
  compose_file: 'compose.yaml',
};

function file(name: string, status: FilePreview['status']): FilePreview {
  return {
    name,
    path: `/p/k8s/${name}`,
    content: `# ${name}\n`,
    existing: status === 'new' ? null : 'old\n',
    diff: null,
    rows: [],
    status,
    seen: status === 'new' ? null : `sha256:${name}`,
  };
}

function preview(namespace: string, ...files: FilePreview[]): K8sPreview {
  return {
    out_dir: '/p/k8s',
    namespace,
    files,
    report: [
      { service: 'web', field: 'healthcheck', outcome: 'translated', detail: 'probes' },
      { service: 'web', field: 'deploy.resources', outcome: 'defaulted', detail: 'defaults' },
      { service: 'redis', field: 'container_name', outcome: 'dropped', detail: 'names' },
      { service: null, field: 'secrets', outcome: 'translated', detail: 'Secrets' },
    ],
  };
}

const REPORT: WriteReport = { out_dir: '/p/k8s', files: [] };

function api(over: Partial<K8sApi> = {}): K8sApi {
  return {
    assess: vi.fn(async () => structuredClone(ASSESSMENT)),
    preview: vi.fn(async (_root, ns) => preview(ns ?? 'shop', file('base/kustomization.yaml', 'new'))),
    write: vi.fn(async () => REPORT),
    ...over,
  };
}

describe('helpers', () => {
  it('count outcomes, group files by folder, and read the namespace field', () => {
    expect(outcomeCounts(preview('x').report)).toEqual({ translated: 2, defaulted: 1, dropped: 1 });
    const groups = groupFiles([
      file('base/a.yaml', 'new'),
      file('base/b.yaml', 'new'),
      file('overlays/dev/c.yaml', 'new'),
    ]);
    expect(groups.map((g) => [g.folder, g.files.length])).toEqual([
      ['base', 2],
      ['overlays/dev', 1],
    ]);
    expect(namespaceArg('  ')).toBeNull();
    expect(namespaceArg(' team-a ')).toBe('team-a');
  });
});

describe('K8sState', () => {
  it('assesses and previews the opened folder once, with the project namespace by default', async () => {
    const a = api();
    const s = new K8sState(a);
    await s.load('/p');
    expect(a.assess).toHaveBeenCalledWith('/p');
    expect(a.preview).toHaveBeenCalledWith('/p', null);
    expect(s.assessment?.recommendation).toBe('kubernetes');
    expect(s.preview?.namespace).toBe('shop');
    expect(s.current?.name).toBe('base/kustomization.yaml');
    await s.load('/p');
    expect(a.assess).toHaveBeenCalledTimes(1);
    await s.load('/p', true);
    expect(a.assess).toHaveBeenCalledTimes(2);
  });

  it('keeps the assessment when the folder has no compose file to translate', async () => {
    const a = api({
      preview: vi.fn(async () => {
        throw { kind: 'not_a_project', message: 'no compose file (compose.yaml) to translate' };
      }),
    });
    const s = new K8sState(a);
    await s.load('/p');
    expect(s.assessment).not.toBeNull();
    expect(s.preview).toBeNull();
    expect(s.previewError?.kind).toBe('not_a_project');
  });

  it('previews again with a typed namespace and drops answers for an older one', async () => {
    let release: (v: K8sPreview) => void = () => {};
    const slow = new Promise<K8sPreview>((r) => (release = r));
    const a = api();
    const s = new K8sState(a);
    await s.load('/p');
    (a.preview as ReturnType<typeof vi.fn>).mockImplementationOnce(() => slow);
    const first = s.setNamespace('old');
    await s.setNamespace('team-a');
    expect(a.preview).toHaveBeenLastCalledWith('/p', 'team-a');
    release(preview('old', file('base/x.yaml', 'new')));
    await first;
    expect(s.preview?.namespace).toBe('team-a');
  });

  it('writes new files directly, with the fingerprints the preview saw', async () => {
    const a = api();
    const s = new K8sState(a);
    await s.load('/p');
    await s.requestWrite();
    expect(s.confirming).toBeNull();
    expect(a.write).toHaveBeenCalledWith('/p', null, false, [{ name: 'base/kustomization.yaml', seen: null }]);
    expect(s.report).toEqual(REPORT);
  });

  it('asks before replacing changed files, and cancelling writes nothing', async () => {
    const a = api({ preview: vi.fn(async () => preview('shop', file('base/namespace.yaml', 'changed'), file('base/x.yaml', 'new'))) });
    const s = new K8sState(a);
    await s.load('/p');
    await s.requestWrite();
    expect(s.confirming).toEqual(['base/namespace.yaml']);
    s.cancelWrite();
    expect(a.write).not.toHaveBeenCalled();
    await s.requestWrite();
    await s.confirmWrite();
    expect(a.write).toHaveBeenCalledWith('/p', null, true, [
      { name: 'base/namespace.yaml', seen: 'sha256:base/namespace.yaml' },
      { name: 'base/x.yaml', seen: null },
    ]);
  });

  it('a file changed since the preview asks again instead of failing', async () => {
    const a = api({
      write: vi.fn(async () => {
        throw { kind: 'would_overwrite', message: 'changed since the preview' };
      }),
      preview: vi.fn(async () => preview('shop', file('base/namespace.yaml', 'changed'))),
    });
    const s = new K8sState(a);
    await s.load('/p');
    await s.requestWrite();
    await s.confirmWrite();
    expect(s.writeError).toBeNull();
    expect(s.confirming).toEqual(['base/namespace.yaml']);
  });

  it('another write error is shown and the preview kept', async () => {
    const a = api({
      write: vi.fn(async () => {
        throw { kind: 'io', message: 'disk full' };
      }),
    });
    const s = new K8sState(a);
    await s.load('/p');
    await s.requestWrite();
    expect(s.writeError?.message).toBe('disk full');
    expect(s.preview).not.toBeNull();
    expect(s.writing).toBe(false);
  });
});
