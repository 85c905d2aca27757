import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProjectState, normalizePath, pickDropped } from './project.svelte';
import type { Api } from './ipc';
import type { OpenedProject } from './bindings/OpenedProject';
import type { PlanEdits } from './bindings/PlanEdits';
import type { ProjectPreview } from './bindings/ProjectPreview';
import type { FilePreview } from './bindings/FilePreview';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { WriteReport } from './bindings/WriteReport';
import type { Seen } from './bindings/Seen';

// Hand-built values standing in for the app's answers: the UI logic under test is what
// happens around the calls (which folder, when, what is kept on failure).
const EDITS: PlanEdits = {
  port: 5000,
  builder_image: null,
  runtime_image: 'python:3.12-slim',
  start_command: ['gunicorn', 'app:app'],
  health_path: '/health',
  services: ['redis'],
};

function opened(root: string): OpenedProject {
  return {
    root,
    detection: {
      stack: 'python',
      framework: 'flask',
      package_manager: 'pip',
      language_version: '3.12',
      start_command: ['gunicorn', 'app:app'],
      port: 5000,
      health_path: null,
      services: ['redis'],
      manifests: ['requirements.txt'],
      hints: {},
      evidence: [{ field: 'framework', file: 'requirements.txt', line: 1, detail: 'flask' }],
    },
    plan: { serve_static: false } as OpenedProject['plan'],
    edits: structuredClone(EDITS),
    own_files: [],
  };
}

function file(name: string, status: FilePreview['status']): FilePreview {
  return {
    name,
    path: `/p/${name}`,
    content: `# ${name}\n`,
    existing: status === 'new' ? null : 'old\n',
    diff: null,
    rows: [],
    status,
    seen: status === 'new' ? null : `sha256:${name}`,
  };
}

function preview(...files: FilePreview[]): ProjectPreview {
  return { plan: {} as ProjectPreview['plan'], files };
}

function fakeApi(over: Partial<Api> = {}) {
  const calls = { open: [] as string[], preview: [] as PlanEdits[], write: [] as boolean[], seen: [] as (Seen[] | null)[] };
  const api: Api = {
    openProject: async (p) => {
      calls.open.push(p);
      if (p.startsWith('/missing')) throw { kind: 'not_found', message: `${p}: no such file or folder` };
      return opened(p);
    },
    previewFiles: async (_root, edits) => {
      calls.preview.push(edits);
      return preview(file('Dockerfile', 'new'), file('compose.yaml', 'new'));
    },
    writeFiles: async (root, _edits, force, seen) => {
      calls.write.push(force);
      calls.seen.push(seen);
      return { out_dir: root, files: [] } satisfies WriteReport;
    },
    chooseFolder: async () => '/picked',
    ...over,
  };
  return { api, calls };
}

describe('pickDropped / normalizePath', () => {
  it('takes the first non-empty dropped path and says when there were more', () => {
    expect(pickDropped([])).toBeNull();
    expect(pickDropped([' '])).toBeNull();
    expect(pickDropped(['/a'])).toEqual({ path: '/a', notice: null });
    expect(pickDropped(['', '/a', '/b'])?.path).toBe('/a');
    expect(pickDropped(['/a', '/b'])?.notice).toMatch(/first of 2/);
  });
  it('cleans typed and pasted paths', () => {
    expect(normalizePath('  "/home/me/my app" ')).toBe('/home/me/my app');
    expect(normalizePath('file:///home/me/my%20app')).toBe('/home/me/my app');
    expect(normalizePath("'/x'")).toBe('/x');
  });
});

describe('a folder with only its own Dockerfile', () => {
  it('opens with nothing to generate: no edits, no preview, writing does nothing', async () => {
    const own: OpenedProject = { root: '/work/own', detection: null, plan: null, edits: null, own_files: ['Dockerfile'] };
    const { api, calls } = fakeApi({ openProject: async () => own });
    const s = new ProjectState(api);
    await s.open('/work/own');
    expect(s.phase).toBe('ready');
    expect(s.generates).toBe(false);
    expect(s.edits).toBeNull();
    expect(calls.preview).toHaveLength(0);
    await s.requestWrite();
    expect(calls.write).toHaveLength(0);
    expect(s.confirming).toBeNull();
  });
});

describe('ProjectState.handleDrop', () => {
  it('opens the dropped folder, then renders its preview', async () => {
    const { api, calls } = fakeApi();
    const s = new ProjectState(api);
    await s.handleDrop(['/work/app']);
    expect(calls.open).toEqual(['/work/app']);
    expect(s.phase).toBe('ready');
    expect(s.opened?.root).toBe('/work/app');
    expect(s.edits).toEqual(EDITS);
    expect(calls.preview).toHaveLength(1);
    expect(s.preview?.files.map((f) => f.name)).toEqual(['Dockerfile', 'compose.yaml']);
  });
  it('ignores an empty drop', async () => {
    const { api, calls } = fakeApi();
    const s = new ProjectState(api);
    await s.handleDrop([]);
    expect(calls.open).toEqual([]);
    expect(s.phase).toBe('empty');
  });
  it('keeps the open project and the edits when a dropped path fails', async () => {
    const { api } = fakeApi();
    const s = new ProjectState(api, 0);
    await s.handleDrop(['/work/app']);
    s.edit({ port: 8080 });
    await s.handleDrop(['/missing/thing']);
    expect(s.openError).toEqual({ kind: 'not_found', message: '/missing/thing: no such file or folder' });
    expect(s.phase).toBe('ready');
    expect(s.opened?.root).toBe('/work/app');
    expect(s.edits?.port).toBe(8080);
  });
  it('notes when several items were dropped', async () => {
    const { api, calls } = fakeApi();
    const s = new ProjectState(api);
    await s.handleDrop(['/one', '/two', '/three']);
    expect(calls.open).toEqual(['/one']);
    expect(s.notice).toMatch(/first of 3/);
  });
});

describe('ProjectState editing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('debounces previews: a burst of edits renders once, with the last values', async () => {
    const { api, calls } = fakeApi();
    const s = new ProjectState(api, 250);
    await s.open('/work/app');
    expect(calls.preview).toHaveLength(1);
    s.edit({ port: 8 });
    s.edit({ port: 80 });
    s.edit({ port: 8080 });
    expect(s.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(249);
    expect(calls.preview).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.preview).toHaveLength(2);
    expect(calls.preview[1]?.port).toBe(8080);
  });

  it('keeps the edits and the last good preview when rendering fails', async () => {
    let fail = false;
    const { api } = fakeApi({
      previewFiles: async () => {
        if (fail) throw { kind: 'invalid_plan', message: 'invalid plan: image' } satisfies ErrorPayload;
        return preview(file('Dockerfile', 'new'));
      },
    });
    const s = new ProjectState(api, 10);
    await s.open('/work/app');
    const good = s.preview;
    fail = true;
    s.edit({ runtime_image: 'bad image' });
    await vi.advanceTimersByTimeAsync(10);
    expect(s.previewError?.kind).toBe('invalid_plan');
    expect(s.preview).toEqual(good);
    expect(s.edits?.runtime_image).toBe('bad image');
  });

  it('only keeps the answer of the latest preview request', async () => {
    const resolvers: Array<(p: ProjectPreview) => void> = [];
    const { api } = fakeApi({
      previewFiles: () => new Promise((r) => resolvers.push(r)),
    });
    const s = new ProjectState(api, 0);
    const first = s.open('/work/app');
    await vi.advanceTimersByTimeAsync(0);
    const second = s.refreshPreview();
    resolvers[1]?.(preview(file('new-answer', 'new')));
    resolvers[0]?.(preview(file('stale-answer', 'new')));
    await Promise.all([first, second]);
    expect(s.preview?.files[0]?.name).toBe('new-answer');
  });
});

describe('ProjectState writing', () => {
  it('writes directly when nothing would be replaced', async () => {
    const { api, calls } = fakeApi();
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    expect(s.confirming).toBeNull();
    expect(calls.write).toEqual([false]);
    expect(s.report?.out_dir).toBe('/work/app');
  });

  it('asks before replacing files, then writes with force', async () => {
    const { api, calls } = fakeApi({
      previewFiles: async () => preview(file('Dockerfile', 'changed'), file('compose.yaml', 'new'), file('.dockerignore', 'unchanged')),
    });
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    expect(s.confirming).toEqual(['Dockerfile']);
    expect(calls.write).toEqual([]);
    await s.confirmWrite();
    expect(s.confirming).toBeNull();
    expect(calls.write).toEqual([true]);
  });

  it('cancelling the confirmation writes nothing', async () => {
    const { api, calls } = fakeApi({
      previewFiles: async () => preview(file('Dockerfile', 'changed')),
    });
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    s.cancelWrite();
    expect(s.confirming).toBeNull();
    expect(calls.write).toEqual([]);
  });

  it('asks when a file appeared between preview and write', async () => {
    let changed = false;
    const { api, calls } = fakeApi({
      previewFiles: async () => preview(file('Dockerfile', changed ? 'changed' : 'new')),
      writeFiles: async (_r, _e, force) => {
        calls.write.push(force);
        changed = true;
        throw { kind: 'would_overwrite', message: 'Dockerfile already exists' } satisfies ErrorPayload;
      },
    });
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    expect(s.confirming).toEqual(['Dockerfile']);
    expect(s.writeError).toBeNull();
  });

  it('hands the write what the confirmed preview saw', async () => {
    const { api, calls } = fakeApi({
      previewFiles: async () => preview(file('Dockerfile', 'changed'), file('compose.yaml', 'new')),
    });
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    await s.confirmWrite();
    expect(calls.seen).toEqual([
      [
        { name: 'Dockerfile', seen: 'sha256:Dockerfile' },
        { name: 'compose.yaml', seen: null },
      ],
    ]);
  });

  it('asks again when a confirmed file changed since the preview', async () => {
    let round = 0;
    const { api, calls } = fakeApi({
      previewFiles: async () => preview(file('Dockerfile', 'changed')),
      writeFiles: async (_r, _e, force) => {
        calls.write.push(force);
        round += 1;
        throw { kind: 'would_overwrite', message: 'Dockerfile changed since the preview' } satisfies ErrorPayload;
      },
    });
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.requestWrite();
    await s.confirmWrite();
    expect(round).toBe(1);
    expect(calls.write).toEqual([true]);
    expect(s.confirming).toEqual(['Dockerfile']);
    expect(s.writeError).toBeNull();
  });

  it('shows a failed write inline and keeps the edits', async () => {
    const { api } = fakeApi({
      writeFiles: async () => {
        throw { kind: 'io', message: '/work/app/Dockerfile: permission denied' } satisfies ErrorPayload;
      },
    });
    const s = new ProjectState(api, 0);
    await s.open('/work/app');
    s.edit({ port: 9000 });
    await s.requestWrite();
    expect(s.writeError?.message).toMatch(/permission denied/);
    expect(s.edits?.port).toBe(9000);
    expect(s.writing).toBe(false);
  });
});

describe('ProjectState re-opening', () => {
  it('starts a new generation on every successful open, not on a failed one', async () => {
    const { api } = fakeApi();
    const s = new ProjectState(api);
    await s.open('/work/app');
    await s.open('/work/app');
    expect(s.generation).toBe(2);
    await s.open('/missing/x');
    expect(s.generation).toBe(2);
  });
});

describe('ProjectState cancelling an open', () => {
  it('keeps the previous project and ignores the late answer', async () => {
    let release!: () => void;
    const { api } = fakeApi();
    const s = new ProjectState(api, 0);
    await s.open('/work/app');
    const slowOpen = api.openProject;
    api.openProject = (p) =>
      new Promise((resolve, reject) => {
        release = () => void slowOpen(p).then(resolve, reject);
      });
    const pending = s.open('/huge/home');
    expect(s.phase).toBe('opening');
    s.cancelOpen();
    expect(s.phase).toBe('ready');
    expect(s.pathInput).toBe('/work/app');
    expect(s.notice).toMatch(/cancelled/);
    release();
    await pending;
    expect(s.opened?.root).toBe('/work/app');
    expect(s.generation).toBe(1);
  });

  it('goes back to the empty state when nothing was open', async () => {
    const { api } = fakeApi({ openProject: () => new Promise(() => {}) });
    const s = new ProjectState(api, 0);
    void s.open('/huge/home');
    s.cancelOpen();
    expect(s.phase).toBe('empty');
    expect(s.opened).toBeNull();
  });
});
