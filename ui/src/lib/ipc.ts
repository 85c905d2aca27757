// The only module that talks to Tauri. Everything else gets an `Api` (or the event
// adapters below) so it can be tested without a webview.
import { Channel } from '@tauri-apps/api/core';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { open } from '@tauri-apps/plugin-dialog';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { OpenedProject } from './bindings/OpenedProject';
import type { PlanEdits } from './bindings/PlanEdits';
import type { ProjectPreview } from './bindings/ProjectPreview';
import type { WriteReport } from './bindings/WriteReport';
import type { DownReport } from './bindings/DownReport';
import type { EngineInfo } from './bindings/EngineInfo';
import type { LogLine } from './bindings/LogLine';
import type { PortCheck } from './bindings/PortCheck';
import type { PortWriteReport } from './bindings/PortWriteReport';
import type { SourcesChanged } from './bindings/SourcesChanged';
import type { UpEvent } from './bindings/UpEvent';
import type { RunReport } from './bindings/RunReport';
import type { RunnerChoice } from './bindings/RunnerChoice';
import type { Source } from './bindings/Source';
import { invokeCommand, type CommandName, type Commands } from './bindings/commands';
import type { ContainerRow } from './bindings/ContainerRow';
import type { GroupReport } from './bindings/GroupReport';
import type { HostCapacity } from './bindings/HostCapacity';
import type { LifecycleAction } from './bindings/LifecycleAction';
import type { StatsBatch } from './bindings/StatsBatch';
import type { Seen } from './bindings/Seen';
import type { StatsPoint } from './bindings/StatsPoint';
import type { FolderCheck } from './bindings/FolderCheck';
import type { ImageCheck } from './bindings/ImageCheck';
import type { Report } from './bindings/Report';
import type { Assessment } from './bindings/Assessment';
import type { K8sPreview } from './bindings/K8sPreview';
import type { AppRequest } from './bindings/AppRequest';
import type { DeployEvent } from './bindings/DeployEvent';
import type { DeployRecord } from './bindings/DeployRecord';
import type { DeployReport } from './bindings/DeployReport';
import type { DeployTarget } from './bindings/DeployTarget';
import type { Environment } from './bindings/Environment';
import type { BenchEvent } from './bindings/BenchEvent';
import type { BenchReport } from './bindings/BenchReport';

/** The app's commands, typed by the Rust bindings in ./bindings. */
export interface Api {
  openProject(path: string): Promise<OpenedProject>;
  previewFiles(root: string, edits: PlanEdits): Promise<ProjectPreview>;
  /** `seen`: what the confirmed preview saw of each file (a file changed since is refused). */
  writeFiles(root: string, edits: PlanEdits, force: boolean, seen: Seen[] | null): Promise<WriteReport>;
  chooseFolder(): Promise<string | null>;
}

/** Any rejection from a command, normalized to `{ kind, message }`. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (typeof e === 'object' && e !== null && 'kind' in e && 'message' in e) {
    return e as ErrorPayload;
  }
  return { kind: 'io', message: e instanceof Error ? e.message : String(e) };
}

/** A command of the contract (bindings/commands.ts, generated from src-tauri/src/contract.rs),
 * its rejection normalized to `{ kind, message }`. */
async function call<K extends CommandName>(cmd: K, args: Commands[K]['args']): Promise<Commands[K]['returns']> {
  try {
    return await invokeCommand(cmd, args);
  } catch (e) {
    throw toErrorPayload(e);
  }
}

export const tauriApi: Api = {
  openProject: (path) => call('open_project', { path }),
  previewFiles: (root, edits) => call('preview_files', { root, edits }),
  writeFiles: (root, edits, force, seen) => call('write_files', { root, edits, force, seen }),
  async chooseFolder() {
    const picked = await open({ directory: true, multiple: false, title: 'Choose a project folder' });
    return typeof picked === 'string' ? picked : null;
  },
};

/** The Kubernetes view's commands (src-tauri/src/k8s_commands.rs). The layout always goes
 * into the opened folder's `k8s/`; `namespace` null: the compose project's name. */
export interface K8sApi {
  assess(root: string): Promise<Assessment>;
  preview(root: string, namespace: string | null): Promise<K8sPreview>;
  write(root: string, namespace: string | null, force: boolean, seen: Seen[] | null): Promise<WriteReport>;
}

export const tauriK8sApi: K8sApi = {
  assess: (root) => call('k8s_assess', { root }),
  preview: (root, namespace) => call('k8s_preview', { root, namespace }),
  write: (root, namespace, force, seen) => call('k8s_write', { root, namespace, force, seen }),
};

/** Calls `onPaths` with the paths of every drop on the window; also reports hovering. */
export async function subscribeToDrops(
  onPaths: (paths: string[]) => void,
  onHover: (hovering: boolean) => void,
): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent(({ payload }) => {
    if (payload.type === 'drop') onPaths(payload.paths);
    onHover(payload.type === 'enter' || payload.type === 'over');
  });
}

// ---- The Run journey (src-tauri/src/run.rs) --------------------------------------------

/** A stream in progress (log follow, watch): `done` settles when it ends; `stop` ends it. */
export interface LogFollow {
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface LogsApi {
  followLogs(container: string, onLine: (line: LogLine) => void): LogFollow;
}

/** How a run is asked for: what it builds from, as what, on which host port. */
export interface RunRequest {
  /** Berth's plan with `edits` (rendered in memory, nothing written), or the folder's own files. */
  source: Source;
  edits: PlanEdits | null;
  /** One container, the compose project, or auto (compose when the plan or folder has more than the app). */
  runner: RunnerChoice;
  hostPort: number | null;
  /** Publish on every network interface instead of this machine only. */
  expose: boolean;
  /** dev / prod as `berth up --env`; null: the plain run. */
  env: Environment | null;
  /** Build and run for this platform (`linux/arm64`, as `berth up --platform`), under
   * emulation when it is not the engine's; null: the engine's own. */
  platform: string | null;
}

/** The Run panel's commands, typed by the Rust bindings. */
export interface RunApi extends LogsApi {
  engineStatus(): Promise<EngineInfo>;
  checkPort(port: number): Promise<PortCheck>;
  upProject(root: string, req: RunRequest, onEvent: (e: UpEvent) => void): Promise<RunReport>;
  cancelUp(root: string): Promise<boolean>;
  downProject(root: string, removeImages: boolean): Promise<DownReport>;
  openUrl(url: string): Promise<void>;
  writePort(root: string, port: number): Promise<PortWriteReport>;
  /** Changed files of the folder (after a run, to offer a rebuild) until stopped. */
  watchProject(root: string, onChange: (c: SourcesChanged) => void): LogFollow;
  /** Check the files a run is about to build (before building). */
  preflightCheck(root: string, source: Source, edits: PlanEdits | null): Promise<Report>;
  /** Check the built image and analyse its size (after building). */
  checkImage(reference: string): Promise<ImageCheck>;
}

/** A streaming command's `done`/`stop` pair over its channel: `stop` ends the stream on the Rust side. */
function stream<T>(channel: Channel<T>, done: Promise<null>): LogFollow {
  return {
    done: done.then(() => undefined),
    stop: async () => {
      await call('stop_stream', { channel: channel.id });
    },
  };
}

export const tauriRunApi: RunApi = {
  engineStatus: () => call('engine_status', {}),
  checkPort: (port) => call('check_port', { port }),
  upProject(root, req, onEvent) {
    const channel = new Channel<UpEvent>(onEvent);
    return call('up_project', { root, ...req, onEvent: channel });
  },
  cancelUp: (root) => call('cancel_up', { root }),
  downProject: (root, removeImages) => call('down_project', { root, removeImages }),
  openUrl: async (url) => {
    await call('open_url', { url });
  },
  writePort: (root, port) => call('write_port', { root, port }),
  followLogs(container, onLine) {
    const channel = new Channel<LogLine>(onLine);
    return stream(channel, call('follow_logs', { container, onLine: channel }));
  },
  watchProject(root, onChange) {
    const channel = new Channel<SourcesChanged>(onChange);
    return stream(channel, call('watch_project', { root, onChange: channel }));
  },
  preflightCheck: (root, source, edits) => call('preflight_check', { root, source, edits }),
  checkImage: (reference) => call('check_image', { reference }),
};

// ---- The Deploy panel (src-tauri/src/deploy.rs) -----------------------------------------

/** What a deploy builds and where it goes. */
export interface DeployRequest {
  env: Environment;
  /** null: the engine Berth uses; a docker context's name or an address. */
  engine: string | null;
  source: Source;
  edits: PlanEdits | null;
}

/** The Deploy panel's commands, typed by the Rust bindings. */
export interface DeployApi {
  targets(): Promise<DeployTarget[]>;
  deploy(root: string, req: DeployRequest, onEvent: (e: DeployEvent) => void): Promise<DeployReport>;
  cancel(root: string): Promise<boolean>;
  rollback(root: string, env: Environment, engine: string | null, onEvent: (e: DeployEvent) => void): Promise<DeployReport>;
  history(root: string): Promise<DeployRecord[]>;
  /** Open a local http(s) URL in the default browser (the backend refuses anything else). */
  openUrl(url: string): Promise<void>;
}

export const tauriDeployApi: DeployApi = {
  targets: () => call('deploy_targets', {}),
  deploy(root, req, onEvent) {
    const channel = new Channel<DeployEvent>(onEvent);
    return call('deploy_project', { root, ...req, onEvent: channel });
  },
  cancel: (root) => call('cancel_deploy', { root }),
  rollback(root, env, engine, onEvent) {
    const channel = new Channel<DeployEvent>(onEvent);
    return call('rollback_project', { root, env, engine, onEvent: channel });
  },
  history: (root) => call('deploy_history', { root }),
  openUrl: async (url) => {
    await call('open_url', { url });
  },
};

// ---- The run card's benchmark (src-tauri/src/bench_commands.rs) ------------------------

/** A benchmark in progress: `done` settles with the report; `stop` cancels it (the backend
 * removes what it started). */
export interface BenchRun {
  done: Promise<BenchReport>;
  stop(): Promise<void>;
}

export interface BenchApi {
  /** Measure the opened folder natively and in its container, `requests` per side, built
   * from `source` with the plan `edits` (what Run builds). */
  benchProject(root: string, requests: number, source: Source, edits: PlanEdits | null, onEvent: (e: BenchEvent) => void): BenchRun;
}

export const tauriBenchApi: BenchApi = {
  benchProject(root, requests, source, edits, onEvent) {
    const channel = new Channel<BenchEvent>(onEvent);
    return {
      done: call('bench_project', { root, requests, source, edits, onEvent: channel }),
      stop: async () => {
        await call('stop_stream', { channel: channel.id });
      },
    };
  },
};

// ---- The Check view (src-tauri/src/check.rs) --------------------------------------------

/** The Check view's commands: a folder opened in this session, an image, a container. */
export interface CheckApi {
  checkFolder(root: string): Promise<FolderCheck>;
  checkImage(reference: string): Promise<ImageCheck>;
  checkContainer(name: string): Promise<Report>;
}

export const tauriCheckApi: CheckApi = {
  checkFolder: (root) => call('check_folder', { root }),
  checkImage: (reference) => call('check_image', { reference }),
  checkContainer: (name) => call('check_container', { name }),
};
/** The containers view's commands (live stats, history, host capacity, lifecycle). */
export interface StatsApi {
  listContainers(): Promise<ContainerRow[]>;
  /** Stream batches (about one a second) to `onBatch`; resolves to the unsubscribe function. */
  subscribeStats(onBatch: (batch: StatsBatch) => void): Promise<() => void>;
  containerHistory(id: string): Promise<StatsPoint[]>;
  hostCapacity(): Promise<HostCapacity>;
  containerLifecycle(name: string, action: LifecycleAction): Promise<void>;
  /** The same for every container of a compose project, in dependency order. */
  groupLifecycle(project: string, action: LifecycleAction): Promise<GroupReport>;
  /** Open a local http(s) URL in the default browser (the backend refuses anything else). */
  openUrl(url: string): Promise<void>;
}

export const tauriStatsApi: StatsApi = {
  listContainers: () => call('list_containers', {}),
  async subscribeStats(onBatch) {
    const channel = new Channel<StatsBatch>(onBatch);
    const id = await call('stats_subscribe', { onBatch: channel });
    return () => {
      channel.onmessage = () => {};
      void call('stats_unsubscribe', { id }).catch(() => {});
    };
  },
  containerHistory: (id) => call('container_history', { id }),
  hostCapacity: () => call('host_capacity', {}),
  containerLifecycle: async (name, action) => {
    await call('container_lifecycle', { name, action });
  },
  groupLifecycle: (project, action) => call('group_lifecycle', { project, action }),
  openUrl: async (url) => {
    await call('open_url', { url });
  },
};


// ---- The desktop shell (src-tauri/src/launch.rs, settings.rs) --------------------------

/** What launches ask of the window, and the shell's settings. */
export interface ShellApi {
  /** Calls `onRequest` for each request (the app's own arguments first, then those of
   * `berth-app PATH` / `berth open PATH` started later); resolves once listening. */
  onAppRequest(onRequest: (r: AppRequest) => void): Promise<void>;
  launchAtLogin(): Promise<boolean>;
  /** Resolves to the setting as it now is. */
  setLaunchAtLogin(enabled: boolean): Promise<boolean>;
}

export const tauriShellApi: ShellApi = {
  async onAppRequest(onRequest) {
    const channel = new Channel<AppRequest>(onRequest);
    await call('app_requests', { onRequest: channel });
  },
  launchAtLogin: () => call('launch_at_login', {}),
  setLaunchAtLogin: (enabled) => call('set_launch_at_login', { enabled }),
};
