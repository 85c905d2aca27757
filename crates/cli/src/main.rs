//! `berth`: a thin command-line front end over berth-core.
//! Exit codes: 0 success, 1 runtime failure (engine, build) — or, for `check`, a finding at
//! or above --fail-on —, 2 bad input.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod check;
mod containerize;
mod containers;
mod deploy;
mod detect;
mod k8s;
mod open;
mod output;
mod plan_args;
mod stats;

#[derive(Parser)]
#[command(
    name = "berth",
    version,
    about = "Take a project folder and get it running in a container"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work out what a project folder is, with the evidence for each conclusion
    Detect {
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write a Dockerfile, compose.yaml and .dockerignore for a project folder (the plan's
    /// fields can be edited with flags, validated as the app's edits are)
    Containerize(containerize::ContainerizeArgs),
    /// Live CPU, memory, network and disk use of running containers (like `docker stats`)
    Stats(stats::StatsArgs),
    /// Check a folder's Dockerfile(s) and compose file, an image or a container for security
    /// and hygiene problems (exit 1 when something is at or above --fail-on)
    Check(check::CheckArgs),
    /// Where an image's size goes: layers, wasted bytes, largest files, the 100 MB target
    Image(check::ImageArgs),
    /// Kubernetes: does the project need it (assess), and hardened manifests from its
    /// compose file (generate)
    #[command(subcommand)]
    K8s(k8s::Command),
    /// Validate, build a versioned image and roll it out health-gated: the live version keeps
    /// serving unless the new one is healthy (exit 1 when refused or rolled back)
    Deploy(deploy::DeployArgs),
    /// Return to the previous healthy deployment still kept
    Rollback(deploy::Target),
    /// The folder's deployments: version, when, engine, environment, outcome
    History(deploy::HistoryArgs),
    /// The app natively and in its container, side by side: start-up time, request latency
    /// (p50/p95/p99), throughput and memory, on loopback, over a fixed number of requests
    /// (the folder is only read: a private copy runs; exit 1 when a side failed)
    Bench(bench::BenchArgs),
    /// Open a folder in the desktop app (starts Berth, or brings the running one forward)
    Open(open::OpenArgs),
    #[command(flatten)]
    Containers(containers::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Detect { path, json } => detect::run(&path, json),
        Command::Stats(args) => stats::run(args),
        Command::Containers(c) => containers::run(c),
        Command::Containerize(args) => containerize::run(args),
        Command::Image(args) => check::image(args),
        Command::Check(args) => match check::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::K8s(c) => k8s::run(c),
        Command::Deploy(args) => match deploy::deploy(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Rollback(args) => match deploy::rollback(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::History(args) => deploy::history(args),
        Command::Bench(args) => match bench::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Open(args) => open::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::fail(&e),
    }
}
