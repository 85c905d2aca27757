//! Deploying a compose project whose app has backing services (Flask + Redis, Django +
//! Postgres): the app service rolls out version by version as a single app does; its
//! backing services are **kept running** across versions, on the deployment's own network
//! and volumes, and are recreated only when their settings change.
//!
//! - Network `<container>-<env>_default`, volumes `<container>-<env>_<volume>`, backing
//!   containers `<container>-<env>-<service>`: a deployment never shares data, names or
//!   network with `berth up`'s run of the same folder, nor dev with prod.
//! - The live app version is on that network under its service name; the candidate joins
//!   it without the name (it reaches the backing services, nothing reaches it by name) until
//!   the switch.
//! - Each backing container carries the hash of its settings
//!   ([`LABEL_BACKING_CONFIG`]); a deploy whose backing settings are unchanged leaves the
//!   running container alone (its data, connections and uptime), otherwise it recreates it
//!   before the candidate starts and says so.
//! - Backing services are not published on host ports (the app reaches them by name); a
//!   backing service with `build:` is refused: a deploy builds the app only.

use super::deploy::Validation;
use super::deploy_rollout::Target;
use super::run::Resolved;
use crate::compose::ServiceSpec;
use crate::docker::build::BuildEvent;
use crate::docker::spec::{ContainerSpec, Publish};
use crate::docker::{ContainerEngine, Engine};
use crate::environment::Environment;
use crate::names::ProjectNames;
use crate::render::Templates;
use crate::runner::compose_api::{app_service, service_spec, start_order, unhealthy_dependency};
use crate::runner::ComposeProject;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Label on a backing container: the deployment (`<compose project>.<env>`) it serves.
pub const LABEL_BACKING: &str = "dev.berth.deploy.backing";
/// Label on a backing container: the hash of the settings it was created with.
pub const LABEL_BACKING_CONFIG: &str = "dev.berth.deploy.backing.config";

/// The compose project of a deploy with backing services, and its app service's index;
/// None for an app deployed as one container.
pub(super) fn stack(resolved: &Resolved) -> Option<(&ComposeProject, usize)> {
    let project = resolved.compose.as_ref()?;
    if project.model.services.len() < 2 {
        return None;
    }
    Some((project, app_service(&project.model.services)?))
}

/// `resolved` in `env` when it is a stack (the override merged, as `berth up --env` runs
/// it); a folder's own compose file without its `compose.<env>.yaml` deploys as written,
/// with a note. Single apps are returned as they are.
pub(super) fn in_environment(
    resolved: Resolved,
    env: Environment,
    templates: &Templates,
) -> Result<(Resolved, Option<String>)> {
    if stack(&resolved).is_none() {
        return Ok((resolved, None));
    }
    let own = resolved
        .compose
        .as_ref()
        .and_then(|c| c.file.clone())
        .filter(|f| {
            env.find_override(f.parent().unwrap_or(&resolved.root))
                .is_none()
        });
    if let Some(file) = own {
        return Ok((
            resolved,
            Some(format!(
                "{} has no {} beside it: its services deploy as written (`berth containerize \
                 --environments` writes one)",
                file.display(),
                env.override_file()
            )),
        ));
    }
    Ok((super::run::in_environment(resolved, env, templates)?, None))
}

/// The deployment's network.
pub(super) fn network(root: &Path, env: Environment) -> String {
    format!("{}-{env}_default", ProjectNames::of(root).container())
}

/// A backing service's container.
pub(super) fn backing_container(root: &Path, env: Environment, service: &str) -> String {
    format!("{}-{env}-{service}", ProjectNames::of(root).container())
}

/// A named volume of the deployment.
pub(super) fn volume(root: &Path, env: Environment, name: &str) -> String {
    format!("{}-{env}_{name}", ProjectNames::of(root).container())
}

/// The validation of a stack's services: the app is built, the others run images.
pub(super) fn validate(project: &ComposeProject, app: usize) -> Validation {
    let services = &project.model.services;
    let built: Vec<&str> = services
        .iter()
        .enumerate()
        .filter(|(i, s)| *i != app && s.build.is_some())
        .map(|(_, s)| s.name.as_str())
        .collect();
    let order = start_order(services);
    let backing: Vec<&str> = services
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != app)
        .map(|(_, s)| s.name.as_str())
        .collect();
    let (ok, detail) = if let Err(e) = order {
        (false, e.to_string())
    } else if services[app].build.is_none() {
        (
            false,
            format!(
                "the app service {} has no build: (a deploy builds the app)",
                services[app].name
            ),
        )
    } else if !built.is_empty() {
        (
            false,
            format!(
                "service(s) {} are built from source too: a deploy builds the app service ({}) \
                 only; give them an image",
                built.join(", "),
                services[app].name
            ),
        )
    } else {
        (
            true,
            format!(
                "service {} rolls out; {} {} running beside it ({})",
                services[app].name,
                backing.join(", "),
                if backing.len() == 1 { "keeps" } else { "keep" },
                project.describe()
            ),
        )
    };
    Validation {
        name: "app".into(),
        ok,
        detail,
    }
}

/// The app service's container (pure): the compose settings, on the deployment's network
/// and volumes; under its service name when `alias` (the live version), else nameless (a
/// candidate).
pub(super) fn app_spec(
    root: &Path,
    env: Environment,
    s: &ServiceSpec,
    image: &str,
    publish: Vec<Publish>,
    alias: bool,
) -> ContainerSpec {
    let mut spec = service_spec(root, s, image, publish);
    place(&mut spec, root, env, s);
    spec.network = Some((
        network(root, env),
        if alias {
            vec![s.name.clone()]
        } else {
            Vec::new()
        },
    ));
    spec
}

/// A backing service's container (pure): unpublished, on the deployment's network under its
/// name, its volumes the deployment's, labelled with the hash of these settings.
pub(super) fn backing_spec(
    root: &Path,
    env: Environment,
    s: &ServiceSpec,
    image: &str,
    key: &str,
) -> ContainerSpec {
    let mut spec = service_spec(root, s, image, Vec::new());
    place(&mut spec, root, env, s);
    spec.name = backing_container(root, env, &s.name);
    spec.network = Some((network(root, env), vec![s.name.clone()]));
    spec.labels.insert(LABEL_BACKING.into(), key.into());
    if env == Environment::Prod {
        spec.log = env.log_config();
    }
    let hash = Sha256::digest(format!("{spec:?}").as_bytes());
    let hash: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    spec.labels.insert(LABEL_BACKING_CONFIG.into(), hash);
    spec
}

/// The deployment's volumes instead of `berth up`'s.
fn place(spec: &mut ContainerSpec, root: &Path, env: Environment, s: &ServiceSpec) {
    spec.binds = s
        .volumes
        .iter()
        .map(|(v, dst)| format!("{}:{dst}", volume(root, env, v)))
        .collect();
}

/// Pull the backing services' images that the engine lacks (before anything runs: a
/// missing image refuses the deploy).
pub(super) async fn pull_backing(
    engine: &Engine,
    project: &ComposeProject,
    app: usize,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) -> std::result::Result<(), String> {
    for (i, s) in project.model.services.iter().enumerate() {
        if i == app {
            continue;
        }
        let Some(image) = &s.image else {
            return Err(format!("service {} has no image", s.name));
        };
        match engine.image(image).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
        on_event(BuildEvent::Output {
            line: format!("pulling {image} for service {}", s.name),
        });
        engine
            .pull(image, &mut *on_event)
            .await
            .map_err(|e| format!("service {}: {e}", s.name))?;
    }
    Ok(())
}

/// Start (or keep) the backing services in dependency order and wait until the ones the
/// app (or another backing service) needs healthy are. `Ok(Err(why))`: one is not healthy;
/// the live version is untouched. Returns what the user should know.
pub(super) async fn ensure_backing(
    engine: &Engine,
    t: &Target<'_>,
    project: &ComposeProject,
    app: usize,
    step: &mut (dyn FnMut(String) + Send),
) -> Result<std::result::Result<Vec<String>, String>> {
    let (root, env, key, health_timeout) = (t.root, t.env, t.key(), t.health_timeout);
    let services = &project.model.services;
    let names = ProjectNames::of(root);
    let labels: HashMap<String, String> = names.labels();
    engine.ensure_network(&network(root, env), &labels).await?;
    let mut notes = Vec::new();
    for i in start_order(services)? {
        let s = &services[i];
        if let Some(why) = wait_needed(engine, root, env, s, app, services, health_timeout).await? {
            return Ok(Err(why));
        }
        if i == app {
            continue;
        }
        let image = s
            .image
            .clone()
            .ok_or_else(|| Error::InvalidPlan(format!("service {} has no image", s.name)))?;
        let spec = backing_spec(root, env, s, &image, &key);
        let hash = spec
            .labels
            .get(LABEL_BACKING_CONFIG)
            .cloned()
            .unwrap_or_default();
        let same = engine
            .containers_labelled(&format!("{LABEL_BACKING_CONFIG}={hash}"))
            .await?
            .iter()
            .any(|c| c.name == spec.name && c.state == "running");
        if same {
            step(format!("{} keeps running (unchanged)", s.name));
            continue;
        }
        let existed = engine.remove_container(&spec.name).await?;
        for (v, _) in &s.volumes {
            engine.ensure_volume(&volume(root, env, v), &labels).await?;
        }
        engine.start_container(&spec).await?;
        if existed {
            notes.push(format!(
                "{} was recreated: its settings or image changed (its volumes kept their data)",
                s.name
            ));
            step(format!("{} recreated with its new settings", s.name));
        } else {
            step(format!("{} started", s.name));
        }
        if !s.ports.is_empty() {
            notes.push(format!(
                "service {} is not published on the host by a deploy; the app reaches it as {}",
                s.name, s.name
            ));
        }
    }
    Ok(Ok(notes))
}

/// Wait for the services `s` needs healthy; the reason when one is not.
async fn wait_needed(
    engine: &Engine,
    root: &Path,
    env: Environment,
    s: &ServiceSpec,
    app: usize,
    services: &[ServiceSpec],
    health_timeout: Duration,
) -> Result<Option<String>> {
    for (dep, healthy) in &s.depends_on {
        let is_app = services.get(app).is_some_and(|a| &a.name == dep);
        if !*healthy || is_app {
            continue;
        }
        let h = engine
            .wait_healthy(&backing_container(root, env, dep), None, health_timeout)
            .await?;
        if !h.healthy {
            return Ok(Some(format!(
                "backing {}",
                unhealthy_dependency(dep, &s.name, &h)
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::app::deploy::LABEL_DEPLOY;
    use crate::compose::parse;

    const COMPOSE: &str = "services:
  web:
    build: .
    ports: [\"127.0.0.1:8000:8000\"]
    environment:
      REDIS_URL: redis://cache:6379/0
    depends_on:
      cache:
        condition: service_healthy
    volumes: [\"uploads:/srv/uploads\"]
  cache:
    image: redis:7
    ports: [\"6379:6379\"]
    volumes: [\"cache-data:/data\"]
volumes:
  uploads: {}
  cache-data: {}
";

    fn project(text: &str) -> ComposeProject {
        ComposeProject {
            root: "/srv/shop".into(),
            file: Some("/srv/shop/compose.yaml".into()),
            text: text.into(),
            model: parse(Path::new("compose.yaml"), text).unwrap(),
            recipes: Default::default(),
            environment: None,
        }
    }

    #[test]
    fn backing_services_run_unpublished_on_the_deployments_own_network_and_volumes() {
        let p = project(COMPOSE);
        let root = Path::new("/srv/shop");
        let cache = &p.model.services[1];
        let s = backing_spec(root, Environment::Prod, cache, "redis:7", "shop-1.prod");
        assert!(s.publish.is_empty(), "{:?}", s.publish);
        assert!(s.name.ends_with("-prod-cache"), "{}", s.name);
        let (net, aliases) = s.network.clone().unwrap();
        assert_eq!(net, network(root, Environment::Prod));
        assert_eq!(aliases, vec!["cache".to_string()]);
        assert_eq!(
            s.binds,
            vec![format!(
                "{}:/data",
                volume(root, Environment::Prod, "cache-data")
            )]
        );
        assert_ne!(
            network(root, Environment::Prod),
            network(root, Environment::Dev)
        );
        assert_ne!(
            network(root, Environment::Prod),
            ProjectNames::of(root).network()
        );
        assert_eq!(s.labels[LABEL_BACKING], "shop-1.prod");
        assert!(
            !s.labels.contains_key(LABEL_DEPLOY),
            "the switch removes what carries the deploy label"
        );
        assert!(s.log.is_some(), "prod rotates the logs");
    }

    #[test]
    fn the_settings_hash_changes_with_the_settings_and_only_then() {
        let p = project(COMPOSE);
        let root = Path::new("/srv/shop");
        let cache = &p.model.services[1];
        let h = |s: &ContainerSpec| s.labels[LABEL_BACKING_CONFIG].clone();
        let a = backing_spec(root, Environment::Prod, cache, "redis:7", "k");
        let b = backing_spec(root, Environment::Prod, cache, "redis:7", "k");
        assert_eq!(h(&a), h(&b));
        let c = backing_spec(root, Environment::Prod, cache, "redis:7.2", "k");
        assert_ne!(h(&a), h(&c));
        let mut changed = cache.clone();
        changed
            .environment
            .insert("REDIS_ARGS".into(), "--maxmemory 64mb".into());
        let d = backing_spec(root, Environment::Prod, &changed, "redis:7", "k");
        assert_ne!(h(&a), h(&d));
    }

    #[test]
    fn the_candidate_is_nameless_on_the_network_and_the_live_version_has_the_name() {
        let p = project(COMPOSE);
        let root = Path::new("/srv/shop");
        let web = &p.model.services[0];
        let publish = vec![Publish::new(8000, Some(8000), "127.0.0.1")];
        let cand = app_spec(
            root,
            Environment::Prod,
            web,
            "shop:v2",
            publish.clone(),
            false,
        );
        let live = app_spec(root, Environment::Prod, web, "shop:v2", publish, true);
        assert_eq!(cand.network.as_ref().unwrap().1, Vec::<String>::new());
        assert_eq!(live.network.as_ref().unwrap().1, vec!["web".to_string()]);
        assert!(cand
            .env
            .contains(&"REDIS_URL=redis://cache:6379/0".to_string()));
        assert_eq!(
            cand.binds,
            vec![format!(
                "{}:/srv/uploads",
                volume(root, Environment::Prod, "uploads")
            )]
        );
    }

    #[test]
    fn a_backing_service_built_from_source_or_an_app_without_build_is_refused() {
        let p = project(COMPOSE);
        assert!(validate(&p, 0).ok, "{}", validate(&p, 0).detail);
        let both = COMPOSE.replace("image: redis:7", "build: ./cache");
        let v = validate(&project(&both), 0);
        assert!(!v.ok && v.detail.contains("cache"), "{}", v.detail);
        let no_build = COMPOSE.replace("build: .", "image: shop:latest");
        let v = validate(&project(&no_build), 0);
        assert!(!v.ok && v.detail.contains("no build"), "{}", v.detail);
    }
}
