//! `berth bench [PATH] [--requests N] [--concurrency N] [--only native|container] [--json]`:
//! a thin adapter over `berth_core::app::bench`. Progress goes to stderr (stdout stays clean
//! for --json); Ctrl-C removes what the bench started. Exit 0 when the sides asked for were
//! measured (or cannot run here, which the report says), 1 when one failed or none was
//! measured, 2 for bad input.

use crate::output;
use crate::plan_args::PlanArgs;
use berth_core::app::bench::{bench, BenchRequest};
use berth_core::app::{self, Source};
use berth_core::bench::{BenchEvent, BenchReport, Figures, Outcome, Side, SideReport};
use berth_core::render::Templates;
use berth_core::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The project folder (only read: the bench runs a private copy)
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    plan: PlanArgs,
    /// Measured requests per side (1 to 10000)
    #[arg(long, default_value_t = berth_core::bench::DEFAULT_REQUESTS)]
    requests: u32,
    /// Requests in flight at once (1 to 16)
    #[arg(long, default_value_t = 1)]
    concurrency: u32,
    /// Measure one side only
    #[arg(long, value_enum)]
    only: Option<OnlyArg>,
    /// Seconds a start may take to the first answer
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[arg(long)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum OnlyArg {
    Native,
    Container,
}

pub fn run(a: BenchArgs) -> Result<ExitCode> {
    let mut req = BenchRequest::new(&a.path);
    req.requests = a.requests;
    req.concurrency = a.concurrency;
    req.startup_timeout = Duration::from_secs(a.timeout);
    req.source = Source::Auto;
    req.edits = app::edits_with(&a.path, &a.plan.overrides()?)?;
    req.only = a.only.map(|o| match o {
        OnlyArg::Native => Side::Native,
        OnlyArg::Container => Side::Container,
    });
    req.check()?;
    let templates = Templates::load_user()?;
    let r = crate::containers::block_on_value(async {
        // The native side alone needs no engine.
        let engine = match req.only {
            Some(Side::Native) => None,
            _ => Some(berth_core::docker::Engine::connect().await?),
        };
        bench(
            engine.as_ref(),
            &req,
            &templates,
            print_event,
            crate::containers::ctrl_c_token(),
        )
        .await
    })?;
    output::print(&r, a.json, || text(&r));
    let failed = [&r.native, &r.container]
        .iter()
        .any(|s| matches!(s.outcome, Outcome::Failed { .. }));
    let measured = [&r.native, &r.container]
        .iter()
        .any(|s| s.outcome.figures().is_some());
    Ok(if failed || !measured {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_event(ev: BenchEvent) {
    match ev {
        BenchEvent::Step { side, message, .. } => match side {
            Some(s) => eprintln!("bench [{}]: {message}", s.label()),
            None => eprintln!("bench: {message}"),
        },
        BenchEvent::Output { line, .. } => eprintln!("      {line}"),
        BenchEvent::Requests { side, done, total } if done == total => {
            eprintln!("bench [{}]: {done}/{total} requests", side.label())
        }
        BenchEvent::Requests { .. } | BenchEvent::Finished { .. } => {}
    }
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

/// The side-by-side table, then what each side ran and why a side was not measured (pure).
pub fn text(r: &BenchReport) -> String {
    let (n, c) = (r.native.outcome.figures(), r.container.outcome.figures());
    let mut s = format!(
        "bench {} ({}{}): GET {}, {} requests, {} at a time, after {} warm-up\n\n",
        r.project,
        r.stack
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_else(|| "?".into()),
        r.framework
            .as_deref()
            .map(|f| format!(", {f}"))
            .unwrap_or_default(),
        r.path,
        r.requests,
        r.concurrency,
        r.warmup
    );
    s.push_str(&format!(
        "{:<12} {:>12} {:>12} {:>18}\n",
        "", "native", "container", "container/native"
    ));
    let ratios = r.ratios.unwrap_or_default();
    let row = |s: &mut String, name: &str, f: &dyn Fn(&Figures) -> String, ratio: Option<f64>| {
        s.push_str(&format!(
            "{:<12} {:>12} {:>12} {:>18}\n",
            name,
            n.map(f).unwrap_or_else(|| "-".into()),
            c.map(f).unwrap_or_else(|| "-".into()),
            ratio
                .map(|x| format!("{x:.2}x"))
                .unwrap_or_else(|| "-".into())
        ));
    };
    row(&mut s, "startup", &|f| ms(f.startup_ms), ratios.startup);
    row(&mut s, "p50", &|f| ms(f.latency.p50_ms), ratios.p50);
    row(&mut s, "p95", &|f| ms(f.latency.p95_ms), ratios.p95);
    row(&mut s, "p99", &|f| ms(f.latency.p99_ms), ratios.p99);
    row(
        &mut s,
        "throughput",
        &|f| format!("{:.0} req/s", f.throughput_rps),
        ratios.throughput,
    );
    row(&mut s, "memory", &|f| mib(f.memory_bytes), ratios.memory);
    row(
        &mut s,
        "answered",
        &|f| format!("{}/{}", f.answered, f.answered + f.failed),
        None,
    );
    s.push('\n');
    for side in [&r.native, &r.container] {
        s.push_str(&describe(side));
    }
    if let Some(t) = n.and_then(|f| f.tree) {
        s.push_str(&format!(
            "  native memory: {} of {} process(es) (RSS {}); container: the engine's figure (usage less inactive page cache)\n",
            if t.pss_bytes.is_some() { "PSS" } else { "RSS" },
            t.processes,
            mib(t.rss_bytes)
        ));
    }
    for note in &r.notes {
        s.push_str(&format!("  note: {note}\n"));
    }
    s.trim_end().to_string()
}

fn describe(side: &SideReport) -> String {
    let label = side.side.label();
    let mut s = format!("{label}:");
    if let Some(rt) = &side.runtime {
        s.push_str(&format!(" {rt}"));
    }
    if !side.command.is_empty() {
        s.push_str(&format!(" `{}`", side.command.join(" ")));
    }
    if let Some(p) = side.prepare_ms {
        let what = match side.side {
            Side::Native => "install",
            Side::Container => "build",
        };
        s.push_str(&format!(" ({what} {})", ms(p)));
    }
    s.push('\n');
    match &side.outcome {
        Outcome::Measured { .. } => {}
        Outcome::Unsupported { reason } => s.push_str(&format!("  not measured: {reason}\n")),
        Outcome::Skipped { reason } => s.push_str(&format!("  {reason}\n")),
        Outcome::Failed {
            reason,
            last_output,
        } => {
            s.push_str(&format!("  FAILED: {reason}\n"));
            for l in last_output {
                s.push_str(&format!("    {l}\n"));
            }
        }
    }
    s
}
