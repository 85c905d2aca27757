//! berth-core: everything in Berth that is not UI.
//!
//! Data flows one way: folder ([`project`]) -> the stack providers ([`stacks`]) -> [`plan::Plan`]
//! -> [`render`] -> files ([`write`]) -> build ([`docker`]) -> run ([`runner`]) -> stats
//! ([`stats`]). The [`compose`] model is shared by the runners and everything that reads a
//! compose file. [`app`] holds the use cases the CLI and the desktop app call; they are thin
//! adapters over it. Nothing here depends on Tauri or a webview.

pub mod app;
pub mod bench;
pub mod check;
pub mod compose;
pub mod diff;
pub mod docker;
pub mod dockerignore;
pub mod environment;
pub mod error;
pub mod fsread;
pub mod hostca;
pub mod k8s;
pub mod names;
pub mod plan;
pub mod ports;
pub mod project;
pub mod render;
pub mod runner;
pub mod shell_env;
pub mod stacks;
pub mod stats;
pub mod watch;
pub mod write;

pub use error::{Error, ErrorKind, Result};
