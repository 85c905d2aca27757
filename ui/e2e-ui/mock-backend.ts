// Injected before the app in the fast UI test: answers the app's commands with mockIPC the
// way the Rust side does for a Flask + Redis project (the real window test, tests/e2e, runs
// the real backend). Exposes window.__berth for the test to inspect calls and emit events.
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { OpenedProject } from '../src/lib/bindings/OpenedProject';
import type { PlanEdits } from '../src/lib/bindings/PlanEdits';
import type { ProjectPreview } from '../src/lib/bindings/ProjectPreview';
import type { FilePreview } from '../src/lib/bindings/FilePreview';
import type { DiffRow } from '../src/lib/bindings/DiffRow';
import type { WriteReport } from '../src/lib/bindings/WriteReport';
import { runCommand, runControls } from './mock-run';
import { COMMANDS, type CommandName } from '../src/lib/bindings/commands';
import { statsCommand, tick, unsubscribed } from './mock-stats';
import { checkCommand, checkControls } from './mock-check';
import { k8sCommand, k8sControls } from './mock-k8s';
import { appCommand, loginEnabled, request } from './mock-app';
import { deployCommand, deployControls } from './mock-deploy';
import { benchCommand, benchControls } from './mock-bench';

const ROOT = '/projects/flask-redis';
const EXISTING_DOCKERFILE = 'FROM python:3.9\nCOPY . .\nCMD ["python", "app.py"]\n';

const calls: Array<{ cmd: string; args: unknown }> = [];
let written = false;

function dockerfile(e: PlanEdits): string {
  return [
    'FROM python:3.12-slim AS runtime',
    'WORKDIR /app',
    'COPY requirements.txt ./',
    'RUN ["pip", "install", "-r", "requirements.txt"]',
    'COPY . .',
    'USER 10001',
    `EXPOSE ${e.port}`,
    `CMD ${JSON.stringify(e.start_command)}`,
    '',
  ].join('\n').replace('python:3.12-slim', e.runtime_image);
}

function compose(e: PlanEdits): string {
  const lines = ['services:', '  app:', '    build: .', '    ports:', `      - "${e.port}:${e.port}"`];
  for (const s of e.services) lines.push(`  ${s}:`, `    image: ${s}:7-alpine`);
  return lines.join('\n') + '\n';
}

/** Side-by-side rows like the core's (line i beside line i: enough for the mock's files). */
function rows(before: string, after: string): DiffRow[] {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => {
    const left = a[i] ?? null;
    const right = b[i] ?? null;
    return {
      same: left === right,
      left,
      right,
      left_no: left === null ? null : i + 1,
      right_no: right === null ? null : i + 1,
    };
  });
}

function files(e: PlanEdits): FilePreview[] {
  const make = (name: string, content: string, existing: string | null): FilePreview => ({
    name,
    path: `${ROOT}/${name}`,
    content,
    existing: written ? content : existing,
    diff: null,
    rows: !written && existing !== null && existing !== content ? rows(existing, content) : [],
    status: written ? 'unchanged' : existing === null ? 'new' : existing === content ? 'unchanged' : 'changed',
    seen: written || existing !== null ? `sha256:${name}` : null,
  });
  return [
    make('Dockerfile', dockerfile(e), EXISTING_DOCKERFILE),
    make('compose.yaml', compose(e), runControls.existingCompose ? 'services:\n  app:\n    build: .\n' : null),
    make('.dockerignore', '.git\n__pycache__/\n.venv/\n', null),
  ];
}

const EDITS: PlanEdits = {
  port: 5000,
  builder_image: null,
  runtime_image: 'python:3.12-slim',
  start_command: ['gunicorn', '--bind', '0.0.0.0:5000', 'app:app'],
  health_path: '/health',
  services: ['redis'],
};

function opened(): OpenedProject {
  return {
    root: ROOT,
    detection: {
      stack: 'python',
      framework: 'flask',
      package_manager: 'pip',
      language_version: '3.12',
      start_command: EDITS.start_command,
      port: 5000,
      health_path: '/health',
      services: ['redis'],
      manifests: ['requirements.txt'],
      hints: { app_module: 'app:app' },
      evidence: [
        { field: 'stack', file: 'requirements.txt', line: null, detail: 'Python dependency manifest' },
        { field: 'framework', file: 'requirements.txt', line: 1, detail: 'flask==3.0.3' },
        { field: 'services', file: 'requirements.txt', line: 2, detail: 'redis client → redis' },
        { field: 'health_path', file: 'app.py', line: 7, detail: "@app.get('/health')" },
        // A long path: it wraps instead of squeezing the description (DetectionCard).
        { field: 'port', file: 'src/flask_redis_demo/settings/production.py', line: 12, detail: 'PORT = 5000 (settings module)' },
      ],
    },
    plan: { serve_static: false } as OpenedProject['plan'],
    edits: structuredClone(EDITS),
    own_files: ['Dockerfile'],
  };
}

/** A folder with its own Dockerfile and no stack Berth detects. */
export const OWN_ROOT = '/projects/own-dockerfile';

mockWindows('main');
mockIPC(
  (cmd, args) => {
    calls.push({ cmd, args });
    // The app may only call commands of the contract (src-tauri/src/contract.rs), plus plugins.
    if (!cmd.startsWith('plugin:') && !COMMANDS.includes(cmd as CommandName)) {
      throw { kind: 'io', message: `${cmd} is not a command of the contract` };
    }
    const a = (args ?? {}) as Record<string, unknown>;
    const stats = statsCommand(cmd, a);
    if (stats.handled) return stats.value;
    const check = checkCommand(cmd, a);
    if (check.handled) return check.value;
    const k8s = k8sCommand(cmd, a);
    if (k8s.handled) return k8s.value;
    const shell = appCommand(cmd, a);
    if (shell.handled) return shell.value;
    if (cmd.includes('deploy') || cmd === 'rollback_project') {
      return deployCommand(cmd, a).then((d) => (d.handled ? d.value : runCommand(cmd, a)));
    }
    const bench = benchCommand(cmd, a);
    if (bench.handled) return bench.value;
    switch (cmd) {
      case 'open_project':
        if (a.path === ROOT || a.path === `${ROOT}/`) return opened();
        if (a.path === OWN_ROOT) {
          return { root: OWN_ROOT, detection: null, plan: null, edits: null, own_files: ['Dockerfile'] } satisfies OpenedProject;
        }
        throw { kind: 'not_found', message: `${String(a.path)}: no such file or folder` };
      case 'preview_files': {
        const edits = a.edits as PlanEdits;
        if (!/^[\w./-]+:[\w.-]+$/.test(edits.runtime_image)) {
          throw { kind: 'invalid_plan', message: `invalid plan: ${edits.runtime_image} is not an image reference` };
        }
        return { plan: {} as ProjectPreview['plan'], files: files(edits) } satisfies ProjectPreview;
      }
      case 'write_files': {
        const edits = a.edits as PlanEdits;
        if (!a.force) throw { kind: 'would_overwrite', message: `${ROOT}/Dockerfile already exists` };
        written = true;
        return {
          out_dir: ROOT,
          files: files(edits).map((f, i) => ({
            name: f.name,
            path: f.path,
            status: i === 0 ? 'changed' : 'new',
            backup: i === 0 ? `${ROOT}/Dockerfile.berth-backup-20261127T001500Z` : null,
          })),
        } satisfies WriteReport;
      }
      case 'plugin:dialog|open':
        return ROOT;
      default:
        return runCommand(cmd, a);
    }
  },
  { shouldMockEvents: true },
);

(window as unknown as { __berth: unknown }).__berth = {
  calls,
  run: runControls,
  check: checkControls,
  k8s: k8sControls,
  deploy: deployControls,
  bench: benchControls,
  emit: (event: string, payload: unknown) => emit(event, payload),
  tick,
  unsubscribed,
  request,
  loginEnabled,
};
