//! `berth`: a thin command-line front end over berth-core.
//! Exit codes: 0 success, 1 runtime failure (engine, build), 2 bad input.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod containerize;
mod containers;
mod detect;
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
        Command::Open(args) => open::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::fail(&e),
    }
}
