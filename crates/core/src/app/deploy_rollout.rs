//! The rollout of [`super::deploy`]: the container of a version in an environment, the
//! candidate beside the live version, the port switch, restoring the live version, pruning.

use super::deploy::{DeployEvent, DeployReport, DeployRequest, LABEL_DEPLOY, LABEL_VERSION};
use super::deploy_history::{
    self as history, append_history, images_beyond, read_history, Action, DeployRecord, Outcome,
};
use super::deploy_stack::{self, stack};
use super::run::Resolved;
use crate::docker::spec::{ContainerSpec, Publish};
use crate::docker::{ContainerEngine, Engine};
use crate::environment::{apply_single, Environment, SingleContext};
use crate::names::ProjectNames;
use crate::ports::PortPolicy;
use crate::runner::publish::start_on_free_port;
use crate::runner::{local_url, single, Publishing};
use crate::{Error, Result};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What the rollout needs besides the engine.
pub(super) struct Target<'a> {
    pub(super) root: &'a Path,
    pub(super) env: Environment,
    pub(super) resolved: &'a Resolved,
    pub(super) container_port: u16,
    pub(super) host_port: u16,
    pub(super) host_ip: &'static str,
    pub(super) health_timeout: Duration,
    /// HTTP probes reach the engine's ports only when it runs on this machine.
    pub(super) local: bool,
    /// The engine's address (where a remote engine publishes).
    pub(super) engine_host: String,
}

impl Target<'_> {
    pub(super) fn key(&self) -> String {
        format!(
            "{}.{}",
            ProjectNames::of(self.root).compose_project(),
            self.env
        )
    }

    /// The container of `version` (pure apart from the environment's refusal).
    pub(super) fn spec(
        &self,
        image: &str,
        version: &str,
        candidate: bool,
        host_port: u16,
        info: &crate::docker::api::ImageInfo,
    ) -> Result<ContainerSpec> {
        let plan = self.resolved.recipe.plan.as_ref();
        let publish = vec![Publish::new(
            self.container_port,
            Some(host_port),
            self.host_ip,
        )];
        let safe: String = version
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let name = format!(
            "{}-{}-{safe}{}",
            ProjectNames::of(self.root).container(),
            self.env,
            if candidate { "-candidate" } else { "" }
        );
        if let Some((project, app)) = stack(self.resolved) {
            // The app service of a stack: its compose settings (the environment's override
            // merged), beside the backing services on the deployment's network.
            let svc = &project.model.services[app];
            let mut s =
                deploy_stack::app_spec(self.root, self.env, svc, image, publish, !candidate);
            s.name = name;
            s.labels.insert(LABEL_DEPLOY.into(), self.key());
            s.labels.insert(LABEL_VERSION.into(), version.into());
            if self.env == Environment::Prod {
                if svc.healthcheck.is_none() && !info.healthcheck {
                    return Err(Error::InvalidInput(format!(
                        "prod needs a healthcheck: service {} has none in the compose file and \
                         its image has no HEALTHCHECK",
                        svc.name
                    )));
                }
                s.restart = crate::docker::spec::Restart::UnlessStopped;
                s.log = self.env.log_config();
            }
            return Ok(s);
        }
        let mut s = single::app_spec(self.root, image, plan, publish);
        s.name = name;
        s.labels.insert(LABEL_DEPLOY.into(), self.key());
        s.labels.insert(LABEL_VERSION.into(), version.into());
        let dev = dev_settings(self.env, plan);
        let ctx = SingleContext {
            root: self.root.to_path_buf(),
            workdir: info.workdir.clone(),
            dev: dev.as_ref(),
            has_healthcheck: info.healthcheck,
        };
        apply_single(self.env, &mut s, &ctx)?;
        Ok(s)
    }

    /// Where the deployed version answers, seen from here: localhost for an engine on this
    /// machine; the remote machine's name when it publishes on every interface; none when it
    /// publishes on the remote machine's loopback (reachable only there).
    pub(super) fn url(&self, port: u16) -> Option<String> {
        if self.local {
            return Some(local_url(port));
        }
        let host = remote_host(&self.engine_host)?;
        (self.host_ip != crate::docker::spec::LOOPBACK).then(|| format!("http://{host}:{port}"))
    }

    pub(super) fn probe(&self, port: u16) -> Option<crate::docker::health::HttpProbe> {
        self.local
            .then(|| single::probe(self.resolved.recipe.plan.as_ref(), port))
    }
}

pub(super) fn dev_settings(
    env: Environment,
    plan: Option<&crate::plan::Plan>,
) -> Option<crate::stacks::DevSettings> {
    match (env, plan) {
        (Environment::Dev, Some(p)) => Some(crate::stacks::provider(p.stack).dev(p)),
        _ => None,
    }
}

/// The machine of a `tcp://host:port` or `ssh://user@host:port/…` engine address (pure).
pub(super) fn remote_host(addr: &str) -> Option<String> {
    let rest = addr.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() => h,
        _ => hostport,
    };
    (!host.is_empty()).then(|| host.to_string())
}

pub(super) fn is_local(engine: &Engine) -> bool {
    let h = &engine.endpoint().host;
    h.starts_with("unix://") || h.contains("://127.0.0.1") || h.contains("://localhost")
}

pub(super) fn record(
    r: &DeployReport,
    action: Action,
    container_port: Option<u16>,
) -> DeployRecord {
    DeployRecord {
        version: r.version.clone(),
        image: r.image.clone(),
        env: r.env,
        engine: r.engine.clone(),
        at: history::now_rfc3339(),
        action,
        outcome: r.outcome,
        host_port: r.host_port,
        container_port,
        reason: r.reason.clone(),
    }
}

/// Why a rollout stopped before the switch, with the live version as it was.
struct NotSwitched {
    reason: String,
    /// The new version's last log lines.
    last_logs: Vec<String>,
    /// What is said of the live version (`<version> keeps serving, untouched`).
    live_note: &'static str,
}

/// The report of a rollout that stopped before the switch: `rolled_back`, the live version
/// (if any) still serving, a deploy's new image removed, the history written.
#[allow(clippy::too_many_arguments)]
async fn not_switched(
    engine: &Engine,
    t: &Target<'_>,
    req: &DeployRequest,
    image: &str,
    live: Option<&DeployRecord>,
    action: Action,
    mut report: DeployReport,
    why: NotSwitched,
) -> Result<DeployReport> {
    report.outcome = Outcome::RolledBack;
    report.reason = Some(why.reason);
    report.last_logs = why.last_logs;
    report.host_port = live.and_then(|l| l.host_port);
    report.url = report.host_port.and_then(|p| t.url(p));
    report.notes.push(match live {
        Some(l) => format!("{} {}", l.version, why.live_note),
        None => "nothing was serving before; nothing serves now".into(),
    });
    remove_new_image(engine, image, action, &mut report).await?;
    append_history(
        &req.state_dir,
        t.root,
        &record(&report, action, Some(t.container_port)),
    )?;
    Ok(report)
}

/// A deploy that did not switch removes the image it built (a rollback's image is a kept one).
async fn remove_new_image(
    engine: &Engine,
    image: &str,
    action: Action,
    report: &mut DeployReport,
) -> Result<()> {
    if action == Action::Deploy {
        if let Some(e) = ContainerEngine::remove_unused_image(engine, image).await? {
            report.notes.push(format!("{image} was not removed: {e}"));
        }
    }
    Ok(())
}

/// The live version's container again on `public` after a failed switch: healthy or not.
async fn restart_live(
    engine: &Engine,
    t: &Target<'_>,
    live: &DeployRecord,
    public: u16,
) -> Result<bool> {
    let info = engine.image(&live.image).await?.unwrap_or_default();
    let back = t.spec(&live.image, &live.version, false, public, &info)?;
    engine.start_container(&back).await?;
    let h = engine
        .wait_healthy(&back.name, t.probe(public), t.health_timeout)
        .await?;
    Ok(h.healthy)
}

/// Steps 3-5 of the module docs, for a built image (a deploy) or a kept one (a rollback).
#[allow(clippy::too_many_arguments)]
pub(super) async fn rollout(
    engine: &Engine,
    t: &Target<'_>,
    req: &DeployRequest,
    image: &str,
    version: &str,
    info: &crate::docker::api::ImageInfo,
    live: Option<&DeployRecord>,
    action: Action,
    mut report: DeployReport,
    on_event: &mut (dyn FnMut(DeployEvent) + Send),
) -> Result<DeployReport> {
    let mut step = |m: String| on_event(DeployEvent::Step { message: m });
    // 3a. A stack's backing services: kept running, or (re)started and waited for.
    if let Some((project, app)) = stack(t.resolved) {
        let backing = deploy_stack::ensure_backing(engine, t, project, app, &mut step).await?;
        match backing {
            Ok(notes) => report.notes.extend(notes),
            Err(why) => {
                let nothing = NotSwitched {
                    reason: why,
                    last_logs: Vec::new(),
                    live_note: "was not replaced",
                };
                return not_switched(engine, t, req, image, live, action, report, nothing).await;
            }
        }
    }
    // 3. The candidate, beside the live version, on a free loopback port.
    let public = t.host_port;
    let publishing = Publishing {
        host_port: None,
        policy: PortPolicy::default(),
        expose: false,
        is_free: Arc::new(move |p| p != public && crate::ports::is_free(p)),
    };
    let cand_spec = |hp: u16| {
        let mut s = t.spec(image, version, true, hp, info)?;
        s.publish = vec![Publish::new(
            t.container_port,
            Some(hp),
            crate::docker::spec::LOOPBACK,
        )];
        // A candidate is never restarted by the engine.
        s.restart = crate::docker::spec::Restart::No;
        Ok::<_, Error>(s)
    };
    cand_spec(0)?;
    engine.remove_container(&cand_spec(0)?.name).await?;
    let cand = start_on_free_port(engine, None, &publishing, |hp, _| {
        cand_spec(hp).unwrap_or_default()
    })
    .await?;
    step(format!(
        "{version} started beside the live version on 127.0.0.1:{}; waiting for healthy",
        cand.host_port
    ));
    let health = engine
        .wait_healthy(&cand.spec.name, t.probe(cand.host_port), t.health_timeout)
        .await?;
    engine.remove_container(&cand.spec.name).await?;
    if !health.healthy {
        let nothing = NotSwitched {
            reason: format!("{version} did not become healthy: {}", health.message),
            last_logs: health.last_logs,
            live_note: "keeps serving, untouched",
        };
        return not_switched(engine, t, req, image, live, action, report, nothing).await;
    }

    // 4. The switch: the old container goes, the new version takes the public port.
    step(format!(
        "{version} is healthy; switching port {public} to it"
    ));
    let old = engine
        .containers_labelled(&format!("{LABEL_DEPLOY}={}", t.key()))
        .await?;
    for c in &old {
        engine.remove_container(&c.name).await?;
    }
    let spec = t.spec(image, version, false, public, info)?;
    let started = engine.start_container(&spec).await;
    let health = match started {
        Ok(_) => {
            engine
                .wait_healthy(&spec.name, t.probe(public), t.health_timeout)
                .await?
        }
        Err(e) => crate::docker::health::HealthReport {
            healthy: false,
            via: crate::docker::health::HealthVia::Running,
            message: format!("it could not start on port {public}: {e}"),
            waited_ms: 0,
            last_logs: Vec::new(),
        },
    };
    if !health.healthy {
        engine.remove_container(&spec.name).await?;
        report.outcome = Outcome::RolledBack;
        report.reason = Some(format!(
            "{version} was healthy beside the live version but not on port {public}: {}",
            health.message
        ));
        report.last_logs = health.last_logs;
        if let Some(l) = live {
            // The live version goes back on the port. If even that fails the report says so
            // (and is recorded): an error here would lose what happened.
            match restart_live(engine, t, l, public).await {
                Ok(healthy) => {
                    report.notes.push(if healthy {
                        format!("{} started again on port {public}", l.version)
                    } else {
                        format!(
                            "{} started again on port {public} but is NOT healthy: see berth logs",
                            l.version
                        )
                    });
                    report.host_port = Some(public);
                    report.url = t.url(public);
                }
                Err(e) => report.notes.push(format!(
                    "{} could NOT be started again on port {public}: {e}; nothing serves it \
                     now: berth rollback starts it again",
                    l.version
                )),
            }
        }
        remove_new_image(engine, image, action, &mut report).await?;
        append_history(
            &req.state_dir,
            t.root,
            &record(&report, action, Some(t.container_port)),
        )?;
        return Ok(report);
    }
    report.outcome = Outcome::Deployed;
    report.container = Some(spec.name.clone());
    report.host_port = Some(public);
    report.url = t.url(public);
    step(match &report.url {
        Some(u) => format!("{version} serves {u}"),
        None => format!(
            "{version} serves port {public} on the engine's machine (published on its loopback: \
             reach it there, through `ssh -L {public}:127.0.0.1:{public}`, or deploy with --expose)"
        ),
    });

    // 5. History, then the images beyond the newest `keep`.
    append_history(
        &req.state_dir,
        t.root,
        &record(&report, action, Some(t.container_port)),
    )?;
    let all = read_history(&req.state_dir, t.root)?;
    for old_image in images_beyond(&all, &report.engine, t.env, req.keep) {
        if old_image == image {
            continue;
        }
        if let Some(why) = ContainerEngine::remove_unused_image(engine, &old_image).await? {
            report
                .notes
                .push(format!("{old_image} was not removed: {why}"));
        }
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::remote_host;

    #[test]
    fn the_machine_of_a_remote_engine() {
        assert_eq!(
            remote_host("tcp://build.example.com:2376").as_deref(),
            Some("build.example.com")
        );
        assert_eq!(
            remote_host("ssh://deploy@10.0.0.5:2222/var/run/docker.sock").as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(remote_host("ssh://box").as_deref(), Some("box"));
        assert_eq!(remote_host("ssh://").as_deref(), None);
        assert_eq!(remote_host("not an address"), None);
    }
}
