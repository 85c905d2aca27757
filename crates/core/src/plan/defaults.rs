//! The default plan, assembled from the stack's provider (images, steps, version, port,
//! start command: see [`crate::stacks::StackProvider`]) and the stack-independent parts:
//! static serving, health check, services and their wiring, the image's `ENV`.

use super::validate::{
    is_env_key, is_env_value, is_safe_health_path, is_safe_name, is_safe_relative_path,
};
use super::wiring::{service_image, wiring};
use super::{Healthcheck, Limits, Plan, ServicePlan};
use crate::stacks::{hint_keys as hk, provider, Detection};
use std::collections::BTreeMap;

/// Static busybox copied into distroless/slim runtimes that have no HTTP client, so the
/// HEALTHCHECK can run `busybox wget` (about 1 MB; no shell is added to the PATH).
pub const BUSYBOX_IMAGE: &str = "busybox:1.37.0-musl";
/// Where that busybox lands in the final image.
pub const BUSYBOX_PATH: &str = "/usr/local/bin/busybox";
/// Serves static sites and built single-page apps as a non-root user on port 8080.
pub const NGINX_IMAGE: &str = "nginxinc/nginx-unprivileged:1.27-alpine";
const NGINX_PORT: u16 = 8080;

pub(super) fn plan_for(d: &Detection) -> Plan {
    let hints = clean_hints(&d.hints);
    let manifests: Vec<String> = d
        .manifests
        .iter()
        .filter(|m| is_safe_relative_path(m))
        .cloned()
        .collect();
    let pm = d.package_manager.clone().map(|p| p.to_lowercase());
    let stack = provider(d.stack);
    let serve_static = stack.serves_static(d.framework.as_deref(), &hints);
    let version = stack.version().image_version(d.language_version.as_deref());
    let mut plan = Plan {
        name: "app".into(),
        stack: d.stack,
        framework: d.framework.clone(),
        package_manager: pm,
        language_version: Some(version.clone()),
        builder_image: None,
        runtime_image: String::new(),
        registry_prefix: None,
        port: d.port.filter(|p| *p != 0).unwrap_or(stack.default_port()),
        // A detected command with control characters (a hostile script name) is not
        // kept: the stack's default is used and the user can edit it.
        start_command: if d
            .start_command
            .iter()
            .any(|a| a.chars().any(char::is_control))
        {
            Vec::new()
        } else {
            d.start_command.clone()
        },
        install_steps: Vec::new(),
        build_steps: Vec::new(),
        cache_mounts: true,
        host_ca: false,
        serve_static,
        services: Vec::new(),
        healthcheck: None,
        manifests,
        hints,
        user: "10001".into(),
        read_only: true,
        limits: Limits {
            memory: "512m".into(),
            cpus: "1.0".into(),
        },
        env: BTreeMap::new(),
        image_env: BTreeMap::new(),
        environments: true,
    };
    stack.plan_defaults(&mut plan, &version);
    if plan.serve_static {
        plan.runtime_image = NGINX_IMAGE.into();
        plan.port = NGINX_PORT;
        plan.start_command = vec!["nginx".into(), "-g".into(), "daemon off;".into()];
        plan.user = "101".into();
    }
    if plan.start_command.is_empty() {
        plan.start_command = stack
            .fallback_command()
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let health_path = d
        .health_path
        .clone()
        .filter(|p| is_safe_health_path(p))
        .or_else(|| plan.serve_static.then(|| "/".to_string()));
    plan.healthcheck = health_path.map(|path| Healthcheck {
        path: Some(path),
        command: None,
        interval_seconds: 10,
        timeout_seconds: 5,
        start_period_seconds: stack.health_start_period_seconds(),
        retries: 3,
    });
    let mut services = d.services.clone();
    services.sort();
    services.dedup();
    plan.services = services
        .iter()
        .map(|s| ServicePlan {
            kind: *s,
            image: service_image(*s).into(),
        })
        .collect();
    plan.env = wiring(&plan);
    plan.image_env = image_env(&plan, d.hints.get(hk::RUNTIME_ENV).map(String::as_str));
    plan
}

/// `ENV` of the final image: the detector's `runtime_env` lines (`KEY=value`, safe values
/// only) plus what the stack needs to listen on 0.0.0.0:port.
fn image_env(plan: &Plan, runtime_env: Option<&str>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if plan.serve_static {
        return env;
    }
    for line in runtime_env.unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            if is_env_key(k) && is_env_value(v) {
                env.insert(k.to_string(), v.to_string());
            }
        }
    }
    env.insert("PORT".into(), plan.port.to_string());
    provider(plan.stack).image_env(plan, &mut env);
    env
}

/// Keep only hint values that are safe where templates put them.
fn clean_hints(raw: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    raw.iter()
        .filter(|(k, v)| match k.as_str() {
            hk::OUTPUT_DIR | hk::MAIN_PACKAGE | hk::DOCUMENT_ROOT | hk::PROJECT_FILE => {
                is_safe_relative_path(v)
            }
            hk::BUILD_SCRIPT | hk::BIN_NAME | hk::ASSEMBLY_NAME | hk::APP_MODULE => is_safe_name(v),
            hk::NEXT_STANDALONE | hk::WRAPPER | hk::NPMRC => {
                v.as_str() == "true" || v.as_str() == "false"
            }
            _ => false,
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
