// Generated from src-tauri/src/contract.rs (the one list of the app's commands) by
// `cargo test -p berth-app export_bindings`. Do not edit: change the contract.
import { invoke, type Channel } from '@tauri-apps/api/core';
import type { AppRequest } from './AppRequest';
import type { Assessment } from './Assessment';
import type { BenchEvent } from './BenchEvent';
import type { BenchReport } from './BenchReport';
import type { ContainerRow } from './ContainerRow';
import type { DeployEvent } from './DeployEvent';
import type { DeployRecord } from './DeployRecord';
import type { DeployReport } from './DeployReport';
import type { DeployTarget } from './DeployTarget';
import type { DownReport } from './DownReport';
import type { EngineInfo } from './EngineInfo';
import type { Environment } from './Environment';
import type { FolderCheck } from './FolderCheck';
import type { GroupReport } from './GroupReport';
import type { HostCapacity } from './HostCapacity';
import type { ImageCheck } from './ImageCheck';
import type { K8sPreview } from './K8sPreview';
import type { LifecycleAction } from './LifecycleAction';
import type { LogLine } from './LogLine';
import type { OpenedProject } from './OpenedProject';
import type { PlanEdits } from './PlanEdits';
import type { PortCheck } from './PortCheck';
import type { PortWriteReport } from './PortWriteReport';
import type { ProjectPreview } from './ProjectPreview';
import type { Report } from './Report';
import type { RunReport } from './RunReport';
import type { RunnerChoice } from './RunnerChoice';
import type { Seen } from './Seen';
import type { Source } from './Source';
import type { SourcesChanged } from './SourcesChanged';
import type { StatsBatch } from './StatsBatch';
import type { StatsPoint } from './StatsPoint';
import type { UpEvent } from './UpEvent';
import type { WriteReport } from './WriteReport';

/** Every command: its arguments (as the webview names them) and what it resolves to. */
export interface Commands {
  /** Detect a folder (typed, picked or dropped) and make its default plan. */
  open_project: { args: { path: string }; returns: OpenedProject };
  /** The plan with the user's edits, rendered and compared with the folder's files. */
  preview_files: { args: { root: string; edits: PlanEdits }; returns: ProjectPreview };
  /** Write the plan's files (`force`: replace differing ones, keeping backups; `seen`: what the confirmed preview saw, a file changed since is refused). */
  write_files: { args: { root: string; edits: PlanEdits; force: boolean; seen: Array<Seen> | null }; returns: WriteReport };
  /** Compose, a managed container service, or Kubernetes? With signals, evidence, sources and a readiness checklist. */
  k8s_assess: { args: { root: string }; returns: Assessment };
  /** The compose file as a Kustomize layout (in `<root>/k8s`), compared with what is there, with the per-field report. */
  k8s_preview: { args: { root: string; namespace: string | null }; returns: K8sPreview };
  /** Write the layout into `<root>/k8s` (`force`: replace differing files, keeping backups; `seen`: what the confirmed preview saw). */
  k8s_write: { args: { root: string; namespace: string | null; force: boolean; seen: Array<Seen> | null }; returns: WriteReport };
  /** The engine a run would use: endpoint, why, versions. */
  engine_status: { args: {}; returns: EngineInfo };
  /** Is a host port free, and if not who holds it. */
  check_port: { args: { port: number }; returns: PortCheck };
  /** Build and run an opened folder (progress on `on_event`), one container or its compose project; `env`: dev/prod as `berth up --env` (null: the plain run); `platform`: build and run for it, as `berth up --platform` (null: the engine's own). */
  up_project: { args: { root: string; source: Source; edits: PlanEdits | null; runner: RunnerChoice; hostPort: number | null; expose: boolean; env: Environment | null; platform: string | null; onEvent: Channel<UpEvent> }; returns: RunReport };
  /** Cancel the folder's running `up_project`; false when none runs. */
  cancel_up: { args: { root: string }; returns: boolean };
  /** Stop and remove what Berth started for the folder (with its images when asked). */
  down_project: { args: { root: string; removeImages: boolean }; returns: DownReport };
  /** Follow a container's log on `on_line` until `stop_stream`. */
  follow_logs: { args: { container: string; onLine: Channel<LogLine> }; returns: null };
  /** Send the opened folder's changed files on `on_change` until `stop_stream`. */
  watch_project: { args: { root: string; onChange: Channel<SourcesChanged> }; returns: null };
  /** Stop the stream on this channel (its view closed). */
  stop_stream: { args: { channel: number }; returns: null };
  /** Open a URL on this machine in the default browser (anything else is refused). */
  open_url: { args: { url: string }; returns: null };
  /** Write the chosen host port into the folder's compose file, with a backup. */
  write_port: { args: { root: string; port: number }; returns: PortWriteReport };
  /** The engines a deploy can target: the one in use, DOCKER_HOST, docker contexts (nothing is connected). */
  deploy_targets: { args: {}; returns: Array<DeployTarget> };
  /** Validate, build and roll out an opened folder in `env` on `engine` (null: the engine in use; a context or an address), health-gated, progress on `on_event`. */
  deploy_project: { args: { root: string; env: Environment; engine: string | null; source: Source; edits: PlanEdits | null; onEvent: Channel<DeployEvent> }; returns: DeployReport };
  /** Cancel the folder's running deploy while it builds; false when none runs. */
  cancel_deploy: { args: { root: string }; returns: boolean };
  /** Return the folder's `env` deployment on `engine` to the previous healthy version. */
  rollback_project: { args: { root: string; env: Environment; engine: string | null; onEvent: Channel<DeployEvent> }; returns: DeployReport };
  /** The opened folder's deployments (version, when, outcome), oldest first. */
  deploy_history: { args: { root: string }; returns: Array<DeployRecord> };
  /** Check an opened folder's Dockerfile(s) and compose file (with their text). */
  check_folder: { args: { root: string }; returns: FolderCheck };
  /** Check the files a run of the opened folder is about to build, before building. */
  preflight_check: { args: { root: string; source: Source; edits: PlanEdits | null }; returns: Report };
  /** Check a local image (config and every layer) and analyse where its size goes. */
  check_image: { args: { reference: string }; returns: ImageCheck };
  /** Check a container's runtime settings as the engine applied them. */
  check_container: { args: { name: string }; returns: Report };
  /** Every container with its latest stats and health. */
  list_containers: { args: {}; returns: Array<ContainerRow> };
  /** Stream stats batches on `on_batch` (about one a second); returns the subscription id. */
  stats_subscribe: { args: { onBatch: Channel<StatsBatch> }; returns: number };
  /** Stop a stats subscription. */
  stats_unsubscribe: { args: { id: number }; returns: null };
  /** A container's recent history for the charts. */
  container_history: { args: { id: string }; returns: Array<StatsPoint> };
  /** The host's cores and memory. */
  host_capacity: { args: {}; returns: HostCapacity };
  /** Start, stop, restart or remove a container. */
  container_lifecycle: { args: { name: string; action: LifecycleAction }; returns: null };
  /** The same for every container of a compose project, in dependency order (dependencies start first and stop last). */
  group_lifecycle: { args: { project: string; action: LifecycleAction }; returns: GroupReport };
  /** Measure an opened folder's app natively and in its container, built from `source` (with the plan `edits`, as Run builds it; progress on `on_event`; `stop_stream` on that channel cancels). */
  bench_project: { args: { root: string; requests: number; source: Source; edits: PlanEdits | null; onEvent: Channel<BenchEvent> }; returns: BenchReport };
  /** Listen on `on_request` for what launches ask of the window (open a folder, show a view): the app's own arguments, a second `berth-app PATH` or `berth open PATH`. */
  app_requests: { args: { onRequest: Channel<AppRequest> }; returns: null };
  /** Whether Berth starts at login. */
  launch_at_login: { args: {}; returns: boolean };
  /** Turn launch at login on or off (opt-in); resolves to the setting as it now is. */
  set_launch_at_login: { args: { enabled: boolean }; returns: boolean };
}

export type CommandName = keyof Commands;

/** The commands, in contract order. */
export const COMMANDS: readonly CommandName[] = [
  'open_project',
  'preview_files',
  'write_files',
  'k8s_assess',
  'k8s_preview',
  'k8s_write',
  'engine_status',
  'check_port',
  'up_project',
  'cancel_up',
  'down_project',
  'follow_logs',
  'watch_project',
  'stop_stream',
  'open_url',
  'write_port',
  'deploy_targets',
  'deploy_project',
  'cancel_deploy',
  'rollback_project',
  'deploy_history',
  'check_folder',
  'preflight_check',
  'check_image',
  'check_container',
  'list_containers',
  'stats_subscribe',
  'stats_unsubscribe',
  'container_history',
  'host_capacity',
  'container_lifecycle',
  'group_lifecycle',
  'bench_project',
  'app_requests',
  'launch_at_login',
  'set_launch_at_login',
];

/** The permission set (src-tauri/permissions/berth.toml) that grants each command. */
export const PERMISSION_SETS: Record<CommandName, string> = {
  open_project: 'project-commands',
  preview_files: 'project-commands',
  write_files: 'project-commands',
  k8s_assess: 'k8s-commands',
  k8s_preview: 'k8s-commands',
  k8s_write: 'k8s-commands',
  engine_status: 'run-commands',
  check_port: 'run-commands',
  up_project: 'run-commands',
  cancel_up: 'run-commands',
  down_project: 'run-commands',
  follow_logs: 'run-commands',
  watch_project: 'run-commands',
  stop_stream: 'run-commands',
  open_url: 'run-commands',
  write_port: 'run-commands',
  deploy_targets: 'deploy-commands',
  deploy_project: 'deploy-commands',
  cancel_deploy: 'deploy-commands',
  rollback_project: 'deploy-commands',
  deploy_history: 'deploy-commands',
  check_folder: 'check-commands',
  preflight_check: 'check-commands',
  check_image: 'check-commands',
  check_container: 'check-commands',
  list_containers: 'containers-commands',
  stats_subscribe: 'containers-commands',
  stats_unsubscribe: 'containers-commands',
  container_history: 'containers-commands',
  host_capacity: 'containers-commands',
  container_lifecycle: 'containers-commands',
  group_lifecycle: 'containers-commands',
  bench_project: 'bench-commands',
  app_requests: 'app-commands',
  launch_at_login: 'app-commands',
  set_launch_at_login: 'app-commands',
};

/** Invoke a command of the contract, typed by it. */
export function invokeCommand<K extends CommandName>(cmd: K, args: Commands[K]['args']): Promise<Commands[K]['returns']> {
  return invoke<Commands[K]['returns']>(cmd, args as Record<string, unknown>);
}
