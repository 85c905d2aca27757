//! `berth deploy [PATH] --env ENV [--engine CONTEXT|URL] [--json]`, `berth rollback [PATH]`,
//! `berth history [PATH]`: thin adapters over `berth_core::app::deploy`. Progress goes to
//! stderr (stdout stays clean for --json). Exit 0 when deployed, 1 when refused or rolled
//! back (the report says why), 2 for bad input.

use crate::output;
use crate::plan_args::PlanArgs;
use berth_core::app::deploy::{self, DeployEvent, DeployReport, DeployRequest, Validation};
use berth_core::app::deploy_history::{default_state_dir, Outcome};
use berth_core::app::{self, Source};
use berth_core::docker::{discovery, Engine};
use berth_core::environment::Environment;
use berth_core::render::Templates;
use berth_core::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Target {
    /// The project folder
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The environment: prod (default) or dev
    #[arg(long, default_value = "prod")]
    env: String,
    /// The engine: a docker context name or an address (unix:///path, tcp://host:port, with TLS
    /// from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH; ssh://user@host through an SSH-forwarded socket);
    /// default: the one `berth engine` finds
    #[arg(long)]
    engine: Option<String>,
    /// Berth's state directory, where the history is kept (default: $BERTH_STATE_DIR, else
    /// ~/.local/state/berth)
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The public host port (default: the live deployment's, else the app's port)
    #[arg(long)]
    port: Option<u16>,
    /// Publish on every network interface (default: 127.0.0.1)
    #[arg(long)]
    expose: bool,
    /// Seconds to wait for the new version to be healthy
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct DeployArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    plan: PlanArgs,
    /// Deployed versions whose images are kept for rollback
    #[arg(long, default_value_t = deploy::DEFAULT_KEEP)]
    keep: usize,
    /// The version tag (default: git short sha, else a UTC timestamp)
    #[arg(long)]
    version: Option<String>,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    #[arg(default_value = ".")]
    path: PathBuf,
    #[arg(long)]
    state_dir: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

fn request(t: &Target) -> Result<DeployRequest> {
    let mut r = DeployRequest::new(&t.path, Environment::parse(&t.env)?);
    r.host_port = t.port;
    r.expose = t.expose;
    r.health_timeout = Duration::from_secs(t.timeout);
    r.state_dir = t.state_dir.clone().unwrap_or_else(default_state_dir);
    Ok(r)
}

async fn connect(engine: Option<&str>) -> Result<Engine> {
    match engine {
        Some(e) => Engine::connect_candidates(discovery::explicit_candidates(e)).await,
        None => Engine::connect().await,
    }
}

fn print_event(ev: DeployEvent) {
    match ev {
        DeployEvent::Step { message } => eprintln!("deploy: {message}"),
        DeployEvent::Build { event } => crate::containers::print_event(&event),
    }
}

fn text(r: &DeployReport) -> String {
    let mut s = String::new();
    for v in &r.validated {
        s.push_str(&format!(
            "  [{}] {}: {}\n",
            if v.ok { "ok" } else { "FAIL" },
            v.name,
            v.detail
        ));
    }
    let what = match r.outcome {
        Outcome::Deployed => format!(
            "deployed {} ({}) to {}: {}",
            r.version,
            r.env,
            r.engine,
            r.url.as_deref().unwrap_or("-")
        ),
        Outcome::RolledBack => format!(
            "rolled back: {} kept serving",
            r.previous.as_deref().unwrap_or("nothing")
        ),
        Outcome::Refused => "refused: nothing was built or started".into(),
    };
    s.push_str(&what);
    if let Some(why) = &r.reason {
        s.push_str(&format!("\n  reason: {why}"));
    }
    if !r.last_logs.is_empty() {
        s.push_str("\n  last log lines of the new version:");
        for l in &r.last_logs {
            s.push_str(&format!("\n    {l}"));
        }
    }
    for n in &r.notes {
        s.push_str(&format!("\n  note: {n}"));
    }
    s
}

fn finish(r: &DeployReport, json: bool) -> ExitCode {
    output::print(r, json, || text(r));
    if r.outcome == Outcome::Deployed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// An engine that does not answer refuses the deploy (reported like every refusal).
fn unreachable(t: &Target, env: Environment, e: &Error) -> DeployReport {
    DeployReport {
        version: String::new(),
        engine: t.engine.clone().unwrap_or_else(|| "(discovered)".into()),
        env,
        validated: vec![Validation {
            name: "engine".into(),
            ok: false,
            detail: e.to_string(),
        }],
        outcome: Outcome::Refused,
        url: None,
        previous: None,
        reason: Some(format!("engine: {e}")),
        image: String::new(),
        container: None,
        host_port: None,
        last_logs: Vec::new(),
        notes: Vec::new(),
    }
}

pub fn deploy(a: DeployArgs) -> Result<ExitCode> {
    let mut req = request(&a.target)?;
    req.keep = a.keep;
    req.version = a.version.clone();
    let overrides = a.plan.overrides()?;
    req.edits = app::edits_with(&a.target.path, &overrides)?;
    req.source = Source::Auto;
    let templates = Templates::load_user()?;
    crate::containers::block_on_value(async {
        let engine = match connect(a.target.engine.as_deref()).await {
            Ok(e) => e,
            Err(e) => return Ok(finish(&unreachable(&a.target, req.env, &e), a.target.json)),
        };
        let r = deploy::deploy(
            &engine,
            &req,
            &templates,
            print_event,
            crate::containers::ctrl_c_token(),
        )
        .await?;
        Ok(finish(&r, a.target.json))
    })
}

pub fn rollback(t: Target) -> Result<ExitCode> {
    let req = request(&t)?;
    let templates = Templates::load_user()?;
    crate::containers::block_on_value(async {
        let engine = connect(t.engine.as_deref()).await?;
        let r = deploy::rollback(&engine, &req, &templates, print_event).await?;
        Ok(finish(&r, t.json))
    })
}

pub fn history(a: HistoryArgs) -> Result<()> {
    let dir = a.state_dir.clone().unwrap_or_else(default_state_dir);
    let h = deploy::history(&a.path, &dir)?;
    output::print(&h, a.json, || {
        if h.is_empty() {
            return "no deployments".into();
        }
        h.iter()
            .map(|r| {
                format!(
                    "{}  {:<8} {:<4} {:<24} {:?}/{:?}  {}{}",
                    r.at,
                    format!("{:?}", r.action).to_lowercase(),
                    r.env,
                    r.version,
                    r.outcome,
                    r.engine,
                    r.host_port.map(|p| format!(" :{p}")).unwrap_or_default(),
                    r.reason
                        .as_deref()
                        .map(|w| format!("  ({w})"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
