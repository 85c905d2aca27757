// The app's IPC contract: every command the webview may call, once. `ipc_contract!` turns
// it into the `#[tauri::command]` wrappers and the invoke handler (src/ipc.rs), the
// permission list (build.rs includes this file too) and the TypeScript types and wrappers
// the UI calls (ui/src/lib/bindings/commands.ts, checked for drift). Each entry:
// `name(args) -> returns => implementation;`, grouped by the permission set that grants it
// (permissions/berth.toml). Implementations take `&tauri::Webview` first.
ipc_contract! {
    "project-commands": {
        /// Detect a folder (typed, picked or dropped) and make its default plan.
        fn open_project(path: String) -> OpenedProject => crate::commands::open_project;
        /// The plan with the user's edits, rendered and compared with the folder's files.
        fn preview_files(root: String, edits: PlanEdits) -> ProjectPreview => crate::commands::preview_files;
        /// Write the plan's files (`force`: replace differing ones, keeping backups; `seen`: what the confirmed preview saw, a file changed since is refused).
        fn write_files(root: String, edits: PlanEdits, force: bool, seen: Option<Vec<Seen>>) -> WriteReport => crate::commands::write_files;
    }
    "k8s-commands": {
        /// Compose, a managed container service, or Kubernetes? With signals, evidence, sources and a readiness checklist.
        fn k8s_assess(root: String) -> Assessment => crate::k8s_commands::k8s_assess;
        /// The compose file as a Kustomize layout (in `<root>/k8s`), compared with what is there, with the per-field report.
        fn k8s_preview(root: String, namespace: Option<String>) -> K8sPreview => crate::k8s_commands::k8s_preview;
        /// Write the layout into `<root>/k8s` (`force`: replace differing files, keeping backups; `seen`: what the confirmed preview saw).
        fn k8s_write(root: String, namespace: Option<String>, force: bool, seen: Option<Vec<Seen>>) -> WriteReport => crate::k8s_commands::k8s_write;
    }
    "run-commands": {
        /// The engine a run would use: endpoint, why, versions.
        fn engine_status() -> EngineInfo => crate::run::engine_status;
        /// Is a host port free, and if not who holds it.
        fn check_port(port: u16) -> PortCheck => crate::run::check_port;
        /// Build and run an opened folder (progress on `on_event`), one container or its compose project; `env`: dev/prod as `berth up --env` (null: the plain run); `platform`: build and run for it, as `berth up --platform` (null: the engine's own).
        fn up_project(root: String, source: Source, edits: Option<PlanEdits>, runner: RunnerChoice, host_port: Option<u16>, expose: bool, env: Option<Environment>, platform: Option<String>, on_event: Channel<UpEvent>) -> RunReport => crate::run::up_project;
        /// Cancel the folder's running `up_project`; false when none runs.
        fn cancel_up(root: String) -> bool => crate::run::cancel_up;
        /// Stop and remove what Berth started for the folder (with its images when asked).
        fn down_project(root: String, remove_images: bool) -> DownReport => crate::run::down_project;
        /// Follow a container's log on `on_line` until `stop_stream`.
        fn follow_logs(container: String, on_line: Channel<LogLine>) -> () => crate::run::follow_logs;
        /// Send the opened folder's changed files on `on_change` until `stop_stream`.
        fn watch_project(root: String, on_change: Channel<SourcesChanged>) -> () => crate::run::watch_project;
        /// Stop the stream on this channel (its view closed).
        fn stop_stream(channel: u32) -> () => crate::run::stop_stream;
        /// Open a URL on this machine in the default browser (anything else is refused).
        fn open_url(url: String) -> () => crate::run::open_url;
        /// Write the chosen host port into the folder's compose file, with a backup.
        fn write_port(root: String, port: u16) -> PortWriteReport => crate::run::write_port;
    }
    "deploy-commands": {
        /// The engines a deploy can target: the one in use, DOCKER_HOST, docker contexts (nothing is connected).
        fn deploy_targets() -> Vec<DeployTarget> => crate::deploy::deploy_targets;
        /// Validate, build and roll out an opened folder in `env` on `engine` (null: the engine in use; a context or an address), health-gated, progress on `on_event`.
        fn deploy_project(root: String, env: Environment, engine: Option<String>, source: Source, edits: Option<PlanEdits>, on_event: Channel<DeployEvent>) -> DeployReport => crate::deploy::deploy_project;
        /// Cancel the folder's running deploy while it builds; false when none runs.
        fn cancel_deploy(root: String) -> bool => crate::deploy::cancel_deploy;
        /// Return the folder's `env` deployment on `engine` to the previous healthy version.
        fn rollback_project(root: String, env: Environment, engine: Option<String>, on_event: Channel<DeployEvent>) -> DeployReport => crate::deploy::rollback_project;
        /// The opened folder's deployments (version, when, outcome), oldest first.
        fn deploy_history(root: String) -> Vec<DeployRecord> => crate::deploy::deploy_history;
    }
    "check-commands": {
        /// Check an opened folder's Dockerfile(s) and compose file (with their text).
        fn check_folder(root: String) -> FolderCheck => crate::check::check_folder;
        /// Check the files a run of the opened folder is about to build, before building.
        fn preflight_check(root: String, source: Source, edits: Option<PlanEdits>) -> Report => crate::check::preflight_check;
        /// Check a local image (config and every layer) and analyse where its size goes.
        fn check_image(reference: String) -> ImageCheck => crate::check::check_image;
        /// Check a container's runtime settings as the engine applied them.
        fn check_container(name: String) -> Report => crate::check::check_container;
    }
    "containers-commands": {
        /// Every container with its latest stats and health.
        fn list_containers() -> Vec<ContainerRow> => crate::stats_commands::list_containers;
        /// Stream stats batches on `on_batch` (about one a second); returns the subscription id.
        fn stats_subscribe(on_batch: Channel<StatsBatch>) -> u32 => crate::stats_commands::stats_subscribe;
        /// Stop a stats subscription.
        fn stats_unsubscribe(id: u32) -> () => crate::stats_commands::stats_unsubscribe;
        /// A container's recent history for the charts.
        fn container_history(id: String) -> Vec<StatsPoint> => crate::stats_commands::container_history;
        /// The host's cores and memory.
        fn host_capacity() -> HostCapacity => crate::stats_commands::host_capacity;
        /// Start, stop, restart or remove a container.
        fn container_lifecycle(name: String, action: LifecycleAction) -> () => crate::stats_commands::container_lifecycle;
        /// The same for every container of a compose project, in dependency order (dependencies start first and stop last).
        fn group_lifecycle(project: String, action: LifecycleAction) -> GroupReport => crate::stats_commands::group_lifecycle;
    }
    "bench-commands": {
        /// Measure an opened folder's app natively and in its container, built from `source` (with the plan `edits`, as Run builds it; progress on `on_event`; `stop_stream` on that channel cancels).
        fn bench_project(root: String, requests: u32, source: Source, edits: Option<PlanEdits>, on_event: Channel<BenchEvent>) -> BenchReport => crate::bench_commands::bench_project;
    }
    "app-commands": {
        /// Listen on `on_request` for what launches ask of the window (open a folder, show a view): the app's own arguments, a second `berth-app PATH` or `berth open PATH`.
        fn app_requests(on_request: Channel<AppRequest>) -> () => crate::launch::app_requests;
        /// Whether Berth starts at login.
        fn launch_at_login() -> bool => crate::settings::launch_at_login;
        /// Turn launch at login on or off (opt-in); resolves to the setting as it now is.
        fn set_launch_at_login(enabled: bool) -> bool => crate::settings::set_launch_at_login;
    }
}
