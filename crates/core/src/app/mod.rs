//! The use cases: what a user does with Berth, once, for every front end. The CLI's
//! subcommands and the desktop app's commands are adapters of a few lines over these: they
//! map arguments in and print or send the result; nothing else decides anything.
//!
//! | use case | function |
//! |---|---|
//! | open a folder: detect it, its default plan, its own build files | [`open`] |
//! | the plan with the user's edits | [`plan_for`] |
//! | preview the files the plan renders (diffs against the folder) | [`preview`] |
//! | write them (confirmed, with backups) | [`write`] |
//! | build the app's image | [`build`] |
//! | bring the project up (single container or compose, chosen by [`crate::runner::choose`]) | [`up`] |
//! | take it down (by label, whatever ran it) | [`down`] |
//! | check a URL before opening it in the browser | [`local_url`] |
//! | the engine, a host port, a container's log, a folder's changes | [`engine_status`], [`check_port`], [`follow_logs`], [`watch_sources`] |
//! | write the chosen host port into compose.yaml | [`write_port`] |
//! | check a folder, the files a run will build, an image, a container | [`check_folder`], [`preflight`], [`check_image`], [`check_container`] |
//! | where an image's size goes | [`analyze_image`] |
//! | deploy health-gated per environment, roll back, list deployments | [`deploy::deploy`], [`deploy::rollback`], [`deploy::history`] |
//! | the engines a deploy can target, connecting to one | [`deploy_targets::deploy_targets`], [`deploy_targets::connect_target`] |
//! | the app natively and in its container, measured side by side | [`bench::bench`] |
//! | start, stop, restart, remove a container, or a whole compose project in dependency order | [`lifecycle`], [`group_lifecycle`] |
//! | Compose or Kubernetes? assess; generate, preview and write the Kustomize layout | [`k8s`] |

pub mod bench;
mod bench_native;
mod check;
pub mod deploy;
pub mod deploy_history;
mod deploy_rollout;
mod deploy_stack;
pub mod deploy_targets;
mod files;
mod group;
pub mod k8s;
mod run;
mod streams;
mod url;

pub use check::{
    analyze_image, check_container, check_folder, check_folder_files, check_image,
    is_dockerfile_name, preflight, CheckedFile, FolderCheck, ImageCheck,
};
pub use files::{
    edits_with, nothing_to_generate, open, own_build_files, plan_for, preview, write,
    OpenedProject, ProjectPreview,
};
pub use group::{
    group_lifecycle, group_plan, lifecycle, GroupFailure, GroupReport, LifecycleAction,
};
pub use run::{
    build, down, in_environment, resolve, up, BuildJob, DownReport, Resolved, RunRequest, Source,
    UpEvent, UpStage,
};
pub use streams::{
    check_port, engine_status, follow_logs, remove_container, watch_changes, watch_sources,
    write_port, PortWriteReport, SourcesChanged, LOG_BACKLOG_LINES,
};
pub use url::local_url;
