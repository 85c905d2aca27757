//! The native side of [`super::bench`]: install in the private copy with the host's tools,
//! start the plan's command on loopback, timed to its first answer, measure it, end its
//! process tree.

use super::bench::{failed, outcome, step, Send, Sides};
use crate::bench::load;
use crate::bench::native::{path_with, which, Proc, Workspace};
use crate::bench::{proc, BenchEvent, BenchStep, Outcome, Side, SideReport, STEP_TIME_LIMIT};
use crate::plan::Plan;
use crate::stacks::native::{expand, native_arg, start_argv, Native};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

impl Sides<'_> {
    /// Install natively in the copy, start the app timed, measure it, end it.
    pub(super) async fn native(
        &self,
        ws: &Workspace,
        plan: Option<&Plan>,
        send: Send<'_>,
        cancel: &CancellationToken,
    ) -> Result<SideReport> {
        let mut out = SideReport::new(Side::Native);
        let unsupported = |mut out: SideReport, reason: String| {
            out.outcome = Outcome::Unsupported { reason };
            Ok(out)
        };
        let Some(plan) = plan else {
            return unsupported(
                out,
                "no stack was detected in the folder: Berth does not know how to start it natively"
                    .into(),
            );
        };
        if plan.serve_static {
            return unsupported(
                out,
                "the app is static files served by nginx in its container: nothing runs natively"
                    .into(),
            );
        }
        let setup = match crate::stacks::provider(plan.stack).native(plan) {
            Native::Runs(s) => s,
            Native::Unsupported(why) => return unsupported(out, why),
        };
        let host_path = std::env::var_os("PATH").unwrap_or_default();
        let missing: Vec<&str> = setup
            .programs
            .iter()
            .filter(|p| which(p, &host_path, &ws.app).is_none())
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return unsupported(
                out,
                format!(
                    "{} not installed on this machine (not on PATH): install {} to measure the \
                     app natively; the container side is measured on its own",
                    missing.join(" and ") + if missing.len() == 1 { " is" } else { " are" },
                    setup.install_hint
                ),
            );
        }
        let (app, tools) = (ws.app.display().to_string(), ws.tools.display().to_string());
        let x = |s: &str| expand(s, &app, &tools);
        out.runtime = version(&setup.version).await;
        let mut env: BTreeMap<String, String> =
            setup.env.iter().map(|(k, v)| (k.clone(), x(v))).collect();
        let dirs: Vec<String> = setup.path.iter().map(|d| x(d)).collect();
        env.insert(
            "PATH".into(),
            path_with(&dirs).to_string_lossy().into_owned(),
        );
        step(
            send,
            Some(Side::Native),
            BenchStep::Preparing,
            "installing the dependencies in the private copy",
        );
        let started = Instant::now();
        for argv in setup.prepare.iter().chain(&setup.steps) {
            let argv: Vec<String> = argv.iter().map(|a| x(a)).collect();
            if let Err((why, tail)) = run_step(&argv, ws, &env, send, cancel).await? {
                return Ok(failed(out, why, tail));
            }
        }
        out.prepare_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        let port = if crate::ports::is_free(plan.port) {
            plan.port
        } else {
            crate::ports::any_free_port().ok_or_else(|| {
                Error::Engine("no free port on this machine for the native run".into())
            })?
        };
        let argv: Vec<String> = start_argv(&plan.start_command, plan.port, port)
            .iter()
            .map(|a| x(a))
            .collect();
        out.command = argv.clone();
        for (k, v) in plan.baked_env().into_iter().chain(plan.app_env()) {
            env.insert(k, x(&native_arg(&v, plan.port, port)));
        }
        env.extend(setup.run_env.iter().map(|(k, v)| (k.clone(), x(v))));
        let target = self.target(port);
        out.url = Some(target.url());
        step(
            send,
            Some(Side::Native),
            BenchStep::Starting,
            format!("starting `{}`, timed to its first answer", argv.join(" ")),
        );
        let started = Instant::now();
        let mut app = match Proc::spawn(&argv, &ws.app, &env, None) {
            Ok(p) => p,
            Err(why) => return Ok(failed(out, why, Vec::new())),
        };
        let first = tokio::select! {
            r = load::first_answer(&target, self.req.startup_timeout, || app.exited()) => r,
            () = cancel.cancelled() => {
                app.stop().await;
                return Err(Error::Cancelled);
            }
        };
        let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Err(why) = first {
            app.stop().await;
            return Ok(failed(out, why, app.tail()));
        }
        let load = self.load(&target, send, cancel).await;
        let memory = proc::memory(app.pid());
        step(
            send,
            Some(Side::Native),
            BenchStep::CleaningUp,
            "ending the app's processes",
        );
        app.stop().await;
        let load = load?;
        out.outcome = match memory {
            Some(m) => outcome(
                startup_ms,
                load,
                m.pss_bytes.unwrap_or(m.rss_bytes),
                Some(m),
            ),
            None => Outcome::Failed {
                reason: "the app exited during the requests".into(),
                last_output: app.tail(),
            },
        };
        Ok(out)
    }
}

/// Run one install step in the copy, its output forwarded: Ok(Err(why, last lines)) when it
/// failed.
async fn run_step(
    argv: &[String],
    ws: &Workspace,
    env: &BTreeMap<String, String>,
    send: Send<'_>,
    cancel: &CancellationToken,
) -> Result<std::result::Result<(), (String, Vec<String>)>> {
    let what = argv.join(" ");
    send(BenchEvent::Output {
        side: Side::Native,
        line: format!("$ {what}"),
    });
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut p = match Proc::spawn(argv, &ws.app, env, Some(tx)) {
        Ok(p) => p,
        Err(why) => return Ok(Err((why, Vec::new()))),
    };
    let result = {
        let fin = p.finish(&what, STEP_TIME_LIMIT, cancel);
        tokio::pin!(fin);
        loop {
            tokio::select! {
                Some(line) = rx.recv() => send(BenchEvent::Output { side: Side::Native, line }),
                r = &mut fin => break r,
            }
        }
    };
    while let Ok(line) = rx.try_recv() {
        send(BenchEvent::Output {
            side: Side::Native,
            line,
        });
    }
    Ok(result?.map_err(|why| (why, p.tail())))
}

/// The runtime's version line (`Python 3.11.7`, `v20.11.1`).
async fn version(argv: &[String]) -> Option<String> {
    let (program, args) = argv.split_first()?;
    let out = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .ok()?
    .ok()?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    // `node --version` says only `v20.11.1`: name the program.
    Some(
        if line.starts_with(|c: char| c.is_ascii_digit() || c == 'v') {
            format!("{program} {line}")
        } else {
            line.to_string()
        },
    )
}
