//! `berth up PATH [plan flags] [--from auto|plan|files] [--runner auto|single|compose]
//! [--port N] [--env dev|prod] [--expose] [--open] [--watch] [--write-port] [--json]`: a thin adapter over
//! `berth_core::app::up`. Progress goes to stderr (stdout stays clean for --json); Ctrl-C
//! cancels at any stage and leaves nothing half-started.

use crate::output;
use crate::plan_args::PlanArgs;
use berth_core::app::{self, RunRequest, Source, UpEvent};
use berth_core::docker::Engine;
use berth_core::ports::PortPolicy;
use berth_core::render::Templates;
use berth_core::runner::{RunOptions, RunReport, RunnerChoice};
use berth_core::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct UpArgs {
    /// The project folder
    path: PathBuf,
    #[command(flatten)]
    plan: PlanArgs,
    /// What to build: the folder's own files, Berth's plan (in memory, nothing written), or
    /// auto (the plan when edited or when the folder has no Dockerfile/compose file)
    #[arg(long, value_enum, default_value = "auto")]
    from: From,
    /// One container, the compose project, or auto (compose when there is more than the app)
    #[arg(long, value_enum, default_value = "auto")]
    runner: RunnerArg,
    /// Preferred host port (default: the app's port; then 8080, then the next free one)
    #[arg(long)]
    port: Option<u16>,
    /// Search range for a free port when the preferred ones are taken, `FROM-TO`
    #[arg(long, default_value = "8081-8999")]
    port_range: String,
    /// Publish on every network interface (default: this machine only, 127.0.0.1)
    #[arg(long)]
    expose: bool,
    /// Seconds to wait for healthy
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[arg(long)]
    no_cache: bool,
    /// Build (and so run) for this platform (`linux/arm64`), under emulation when it is not
    /// the engine's; checked first, as `berth build --platform` does
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
    /// Open the app in the browser once it is healthy
    #[arg(long)]
    open: bool,
    /// Rebuild and restart when files change (files the build ignores are ignored)
    #[arg(long)]
    watch: bool,
    /// Write the chosen host port into the folder's compose.yaml (atomic, with a backup)
    #[arg(long)]
    write_port: bool,
    /// The environment: dev (source mounted, reload command, debug port) or prod (read-only,
    /// restarted, limited, rotated logs, healthcheck required). A compose folder merges its
    /// compose.<env>.yaml; a Dockerfile-only folder gets Berth's built-in settings
    #[arg(long)]
    env: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum From {
    Auto,
    Plan,
    Files,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum RunnerArg {
    Auto,
    Single,
    Compose,
}

pub async fn run(a: UpArgs) -> Result<()> {
    let (from, to) = super::ports::parse_range(&a.port_range)?;
    let mut req = RunRequest {
        folder: a.path.clone(),
        source: match a.from {
            From::Auto => Source::Auto,
            From::Plan => Source::Plan,
            From::Files => Source::Files,
        },
        edits: app::edits_with(&a.path, &a.plan.overrides()?)?,
        runner: match a.runner {
            RunnerArg::Auto => RunnerChoice::Auto,
            RunnerArg::Single => RunnerChoice::Single,
            RunnerArg::Compose => RunnerChoice::Compose,
        },
        options: RunOptions {
            health_timeout: Duration::from_secs(a.timeout),
            no_cache: a.no_cache,
            platform: a
                .platform
                .as_deref()
                .map(berth_core::docker::platform::parse_platform)
                .transpose()?,
            env: a
                .env
                .as_deref()
                .map(berth_core::environment::Environment::parse)
                .transpose()?,
            ..Default::default()
        },
    };
    req.options.publishing.host_port = a.port;
    req.options.publishing.policy = PortPolicy {
        fallback: berth_core::ports::FALLBACK_PORT,
        range: (from, to),
    };
    req.options.publishing.expose = a.expose;
    let templates = Templates::load_user()?;
    let e = super::connect().await?;
    let report = up_once(&e, &req, &templates, &a).await?;
    if a.watch {
        return watch(&e, req, &templates, &a, report).await;
    }
    if report.healthy {
        Ok(())
    } else {
        Err(Error::Engine(format!(
            "{} is not healthy: {}",
            report.container, report.health.message
        )))
    }
}

fn print_up_event(ev: &UpEvent) {
    match ev {
        UpEvent::Runner { runner, note } => {
            eprintln!("runner: {}", runner.label());
            if let Some(n) = note {
                eprintln!("  note: {n}");
            }
        }
        UpEvent::Stage { .. } => {}
        UpEvent::Build { event } => super::print_event(event),
    }
}

async fn up_once(
    e: &Engine,
    req: &RunRequest,
    templates: &Templates,
    a: &UpArgs,
) -> Result<RunReport> {
    let report = app::up(
        e,
        req,
        templates,
        |ev| print_up_event(&ev),
        super::ctrl_c_token(),
    )
    .await?;
    if a.write_port {
        if let Some(port) = report.host_port {
            write_port(std::path::Path::new(&report.project), port)?;
        }
    }
    output::print(&report, a.json, || text(&report));
    if a.open && report.healthy {
        if let Some(url) = &report.url {
            let url = app::local_url(url)?;
            if let Err(err) = open::that_detached(&url) {
                eprintln!("berth: cannot open {url} in the browser: {err}");
            }
        }
    }
    Ok(report)
}

/// `--write-port`: record the chosen host port in the folder's compose file.
fn write_port(root: &std::path::Path, port: u16) -> Result<()> {
    let Some(file) = berth_core::compose::find_file(root) else {
        eprintln!("--write-port: no compose file in {}", root.display());
        return Ok(());
    };
    match berth_core::compose::ports::write_host_port(&file, port)? {
        Some(w) => eprintln!(
            "{}: host port set to {port} (backup: {})",
            file.display(),
            w.backup.display()
        ),
        None => eprintln!("{} already publishes {port}", file.display()),
    }
    Ok(())
}

fn text(r: &RunReport) -> String {
    let mut s = String::new();
    if let Some(b) = &r.build {
        s.push_str(&super::build::summary(b));
        s.push('\n');
    }
    s.push_str(&format!(
        "{} ({}) via {}",
        r.container,
        r.image,
        r.runner.label()
    ));
    if let Some(t) = &r.tool {
        s.push_str(&format!(" ({t})"));
    }
    if let Some(d) = r.dockerfile {
        s.push_str(match d {
            berth_core::runner::DockerfileSource::Project => ", from the project's Dockerfile",
            berth_core::runner::DockerfileSource::Generated => {
                ", from Berth's plan (in memory, nothing written)"
            }
        });
    }
    if !r.services.is_empty() {
        let names: Vec<&str> = r.services.iter().map(|s| s.service.as_str()).collect();
        s.push_str(&format!("\nservices: {}", names.join(", ")));
    }
    if let Some(c) = &r.port_conflict {
        s.push_str(&format!("\nport {}: {}", c.requested, c.reason));
        if let Some(chk) = &c.check {
            if let Some(x) = &chk.explanation {
                s.push_str(&format!("\n  {x}"));
            }
            if let Some(x) = &chk.suggestion {
                s.push_str(&format!("\n  fix: {x}"));
            }
        }
    }
    if let Some(u) = &r.url {
        s.push_str(&format!("\nurl: {u}"));
    }
    s.push_str(&format!(
        "\nhealthy: {} ({}, {} ms)",
        r.healthy, r.health.message, r.health.waited_ms
    ));
    for l in &r.health.last_logs {
        s.push_str(&format!("\n  | {l}"));
    }
    for n in &r.notes {
        s.push_str(&format!("\nnote: {n}"));
    }
    s
}

async fn watch(
    e: &Engine,
    mut req: RunRequest,
    templates: &Templates,
    a: &UpArgs,
    first: RunReport,
) -> Result<()> {
    // Keep the port we got, so the URL stays the same across rebuilds.
    req.options.publishing.host_port = first.host_port.or(req.options.publishing.host_port);
    let root = PathBuf::from(&first.project);
    let mut changes = app::watch_changes(&root, templates)?;
    eprintln!("watching {} (Ctrl-C to stop)", root.display());
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            batch = changes.next_batch() => {
                let Some(paths) = batch else { return Ok(()) };
                eprintln!("changed: {}", paths.iter().take(3).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
                if let Err(err) = up_once(e, &req, templates, a).await {
                    eprintln!("berth: {err}");
                }
            }
        }
    }
}
