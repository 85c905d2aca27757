//! The plan fields a user edits — in the app's form or with the CLI's flags — and how they
//! turn into a plan. Both go through [`PlanEdits::apply`], so an edit is validated the same
//! way wherever it comes from, and the plan that is previewed is the plan that runs.

use super::{is_safe_health_path, Healthcheck, Plan};
use crate::stacks::{Detection, Service};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The plan fields the app's form edits. The full plan is rebuilt from the detection with
/// these applied (so service wiring, the PORT variable and the health probe follow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanEdits {
    /// The port the app listens on inside the container.
    pub port: u16,
    /// Image of the build stage; null when the Dockerfile is single-stage.
    pub builder_image: Option<String>,
    pub runtime_image: String,
    /// argv of the app's process.
    pub start_command: Vec<String>,
    /// The HTTP path the healthcheck probes; null: no HTTP healthcheck.
    pub health_path: Option<String>,
    pub services: Vec<Service>,
    /// Trust this machine's CA certificates in the install and build steps (opt-in; see
    /// [`crate::hostca`]).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub host_ca: bool,
    /// Also write `compose.dev.yaml` and `compose.prod.yaml`.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub environments: bool,
}

/// Changes to the default plan given one at a time (the CLI's `--app-port`, `--service`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanOverrides {
    pub port: Option<u16>,
    pub builder_image: Option<String>,
    pub runtime_image: Option<String>,
    pub start_command: Option<Vec<String>>,
    pub health_path: Option<String>,
    pub add_services: Vec<Service>,
    pub remove_services: Vec<Service>,
    pub host_ca: Option<bool>,
    /// Write (or not) the per-environment overrides.
    pub environments: Option<bool>,
}

impl PlanOverrides {
    /// Whether any override was given.
    pub fn is_empty(&self) -> bool {
        *self == PlanOverrides::default()
    }
}

impl PlanEdits {
    /// The editable fields of `plan`.
    pub fn of(plan: &Plan) -> Self {
        PlanEdits {
            port: plan.port,
            builder_image: plan.builder_image.clone(),
            runtime_image: plan.runtime_image.clone(),
            start_command: plan.start_command.clone(),
            health_path: plan.healthcheck.as_ref().and_then(|h| h.path.clone()),
            services: plan.services.iter().map(|s| s.kind).collect(),
            host_ca: plan.host_ca,
            environments: plan.environments,
        }
    }

    /// These edits with `o` applied on top.
    pub fn with(mut self, o: &PlanOverrides) -> Self {
        if let Some(p) = o.port {
            self.port = p;
        }
        if let Some(i) = &o.builder_image {
            self.builder_image = Some(i.clone());
        }
        if let Some(i) = &o.runtime_image {
            self.runtime_image = i.clone();
        }
        if let Some(c) = &o.start_command {
            self.start_command = c.clone();
        }
        if let Some(h) = &o.health_path {
            self.health_path = Some(h.clone());
        }
        if let Some(on) = o.host_ca {
            self.host_ca = on;
        }
        for s in &o.add_services {
            if !self.services.contains(s) {
                self.services.push(*s);
            }
        }
        self.services.retain(|s| !o.remove_services.contains(s));
        if let Some(e) = o.environments {
            self.environments = e;
        }
        self
    }

    /// The plan for `detection` (in the folder named `folder_name`) with these edits, validated.
    /// Refused with [`Error::InvalidPlan`] when an edit is not acceptable (a port of 0, an
    /// image reference that is not pinned, a health path that is not a plain URL path, a
    /// builder image for a single-stage Dockerfile...).
    pub fn apply(&self, detection: &Detection, folder_name: &str) -> Result<Plan> {
        if let Some(path) = &self.health_path {
            if !is_safe_health_path(path) {
                return Err(Error::InvalidPlan(format!(
                    "health path {path:?} must be a plain URL path starting with /"
                )));
            }
        }
        let mut d = detection.clone();
        d.port = Some(self.port);
        d.services = self.services.clone();
        d.start_command = self.start_command.clone();
        let mut plan = Plan::from_detection(&d).named(folder_name);
        plan.environments = self.environments;
        if plan.serve_static {
            // nginx serves the build output on its own port with its own command.
            if self.port != plan.port && self.port != detection.port.unwrap_or(plan.port) {
                return Err(Error::InvalidPlan(format!(
                    "this project is served by nginx on port {}: the app port cannot be changed",
                    plan.port
                )));
            }
        } else {
            plan.port = self.port;
            plan.start_command = self.start_command.clone();
        }
        plan.runtime_image = self.runtime_image.trim().to_string();
        plan.host_ca = self.host_ca;
        match (&plan.builder_image, &self.builder_image) {
            (Some(_), b) => plan.builder_image = b.as_ref().map(|s| s.trim().to_string()),
            (None, Some(b)) => {
                return Err(Error::InvalidPlan(format!(
                    "this Dockerfile has a single stage: there is no builder image to set to {b}"
                )))
            }
            (None, None) => {}
        }
        match (&mut plan.healthcheck, &self.health_path) {
            (Some(h), Some(path)) => {
                h.path = Some(path.clone());
                h.command = None;
            }
            (h @ None, Some(path)) => {
                *h = Some(Healthcheck {
                    path: Some(path.clone()),
                    command: None,
                    interval_seconds: 10,
                    timeout_seconds: 5,
                    start_period_seconds: 20,
                    retries: 3,
                })
            }
            (h, None) => *h = None,
        }
        plan.validate()?;
        Ok(plan)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn detection(fixture: &str) -> Detection {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(fixture);
        crate::stacks::detect(&root).unwrap()
    }

    fn default_plan(fixture: &str) -> Plan {
        Plan::from_detection(&detection(fixture)).named("x")
    }

    #[test]
    fn no_edits_give_the_default_plan() {
        for f in [
            "python-flask-redis",
            "node-express-npm",
            "go-cmd-server",
            "static-site",
        ] {
            let plan = default_plan(f);
            let again = PlanEdits::of(&plan).apply(&detection(f), "x").unwrap();
            assert_eq!(again, plan, "{f}");
        }
    }

    #[test]
    fn the_port_health_path_and_services_follow_the_edits() {
        let d = detection("python-flask-redis");
        let edits = PlanEdits::of(&default_plan("python-flask-redis")).with(&PlanOverrides {
            port: Some(7000),
            health_path: Some("/api/health".into()),
            remove_services: vec![Service::Redis],
            add_services: vec![Service::Postgres],
            ..Default::default()
        });
        let plan = edits.apply(&d, "x").unwrap();
        assert_eq!(plan.port, 7000);
        assert_eq!(plan.env["PORT"], "7000");
        assert_eq!(
            plan.healthcheck.as_ref().unwrap().path.as_deref(),
            Some("/api/health")
        );
        let kinds: Vec<_> = plan.services.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec![Service::Postgres]);
        assert!(plan.env.contains_key("DATABASE_URL"));
        assert!(!plan.env.contains_key("REDIS_URL"));
    }

    #[test]
    fn bad_edits_are_refused_with_invalid_plan() {
        let d = detection("python-flask-redis");
        let base = PlanEdits::of(&default_plan("python-flask-redis"));
        let bad = [
            PlanOverrides {
                port: Some(0),
                ..Default::default()
            },
            PlanOverrides {
                health_path: Some("health; rm -rf /".into()),
                ..Default::default()
            },
            PlanOverrides {
                runtime_image: Some("python:latest".into()),
                ..Default::default()
            },
            PlanOverrides {
                start_command: Some(Vec::new()),
                ..Default::default()
            },
        ];
        for o in bad {
            let e = base.clone().with(&o).apply(&d, "x").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidPlan, "{o:?}: {e}");
        }
        // A builder image for a single-stage Dockerfile (ruby has none).
        let rd = detection("ruby-sinatra");
        let e = PlanEdits::of(&Plan::from_detection(&rd))
            .with(&PlanOverrides {
                builder_image: Some("ruby:3.3".into()),
                ..Default::default()
            })
            .apply(&rd, "x")
            .unwrap_err();
        assert!(e.to_string().contains("single stage"), "{e}");
    }

    #[test]
    fn a_static_sites_port_is_nginxs() {
        let d = detection("static-site");
        let plan = default_plan("static-site");
        let e = PlanEdits::of(&plan)
            .with(&PlanOverrides {
                port: Some(9999),
                ..Default::default()
            })
            .apply(&d, "x")
            .unwrap_err();
        assert!(e.to_string().contains("nginx"), "{e}");
    }
}
