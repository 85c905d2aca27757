//! Engine-facing subcommands: `engine`, `ports`, `build`, `up`, `down`, `ps`, `logs`,
//! `start`, `stop`, `restart`, `rm`. Each is a thin adapter over `berth_core::docker` and
//! `berth_core::ports`.

pub mod build;
mod engine;
mod lifecycle;
mod ports;
mod up;

use berth_core::docker::build::BuildEvent;
use berth_core::docker::Engine;
use berth_core::{Error, Result};
use clap::Subcommand;
use std::future::Future;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Command {
    /// Which container engine Berth uses, why, and what it supports
    Engine {
        #[arg(long)]
        json: bool,
    },
    /// Check host ports: who holds one, what listens where
    #[command(subcommand)]
    Ports(ports::PortsCommand),
    /// Build the project's image (its own Dockerfile, or the one Berth generates, in memory)
    Build(build::BuildArgs),
    /// Build if needed, run with hardened defaults, resolve the host port, wait until healthy
    Up(up::UpArgs),
    /// Stop and remove what `berth up` created for a folder, whatever ran it (containers,
    /// networks; with --images also the images Berth built for it)
    Down {
        path: PathBuf,
        /// Also remove the images Berth built for the folder (its app and compose services)
        #[arg(long)]
        images: bool,
        #[arg(long)]
        json: bool,
    },
    /// List the containers Berth created
    Ps {
        #[arg(long)]
        json: bool,
    },
    /// Show a container's log with timestamps
    Logs {
        name: String,
        /// Keep printing new lines
        #[arg(long, short)]
        follow: bool,
        /// Only the last N lines
        #[arg(long)]
        tail: Option<usize>,
    },
    /// Start a stopped container
    Start { name: String },
    /// Stop a running container
    Stop { name: String },
    /// Restart a container
    Restart { name: String },
    /// Remove a container (stopping it first); a container Berth did not create keeps its
    /// anonymous volumes unless --volumes
    Rm {
        name: String,
        /// Also remove its anonymous volumes (the default for Berth's own containers)
        #[arg(long)]
        volumes: bool,
    },
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Engine { json } => block_on(engine::run(json)),
        Command::Ports(c) => block_on(ports::run(c)),
        Command::Build(a) => block_on(build::run(a)),
        Command::Up(a) => block_on(up::run(a)),
        Command::Down { path, images, json } => block_on(lifecycle::down(path, images, json)),
        Command::Ps { json } => block_on(lifecycle::ps(json)),
        Command::Logs { name, follow, tail } => block_on(lifecycle::logs(name, follow, tail)),
        Command::Start { name } => block_on(lifecycle::simple("start", name)),
        Command::Stop { name } => block_on(lifecycle::simple("stop", name)),
        Command::Restart { name } => block_on(lifecycle::simple("restart", name)),
        Command::Rm { name, volumes } => block_on(lifecycle::rm(name, volumes)),
    }
}

fn block_on<F: Future<Output = Result<()>>>(f: F) -> Result<()> {
    block_on_value(f)
}

/// Run `f` on a small multi-threaded runtime.
pub fn block_on_value<T, F: Future<Output = Result<T>>>(f: F) -> Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}

async fn connect() -> Result<Engine> {
    Engine::connect().await
}

/// Build progress, printed to stderr (stdout stays clean for --json).
pub fn print_event(ev: &BuildEvent) {
    match ev {
        BuildEvent::Context { files, bytes } => {
            eprintln!("context: {files} files, {:.1} MB", *bytes as f64 / 1e6)
        }
        BuildEvent::Step {
            n,
            total,
            instruction,
        } => eprintln!("[{n}/{total}] {instruction}"),
        BuildEvent::Cached { .. } => eprintln!("      cached"),
        BuildEvent::Output { line } => eprintln!("      {line}"),
        BuildEvent::Error { message } => eprintln!("error: {message}"),
        BuildEvent::Built { image_id } => eprintln!("built {image_id}"),
    }
}

/// A cancel token that fires on Ctrl-C.
pub fn ctrl_c_token() -> berth_core::docker::CancellationToken {
    let t = berth_core::docker::CancellationToken::new();
    let t2 = t.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling…");
            t2.cancel();
        }
    });
    t
}
