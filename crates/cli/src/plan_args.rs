//! The plan edits the CLI takes (`--app-port`, `--health-path`, `--service` ...), the same
//! fields the app's plan form edits; they are applied and validated by the core exactly as
//! the app's edits are (`PlanEdits::apply`).

use berth_core::plan::PlanOverrides;
use berth_core::stacks::Service;
use berth_core::{Error, Result};

#[derive(clap::Args, Debug, Default, Clone)]
pub struct PlanArgs {
    /// The port the app listens on inside the container
    #[arg(long, value_name = "N")]
    app_port: Option<u16>,
    /// Image of the build stage (a pinned `name:tag`)
    #[arg(long, value_name = "IMG")]
    builder_image: Option<String>,
    /// Image of the final stage (a pinned `name:tag`)
    #[arg(long, value_name = "IMG")]
    runtime_image: Option<String>,
    /// The app's start command, split as a shell splits words (never run by a shell)
    #[arg(long, value_name = "CMD")]
    start: Option<String>,
    /// The HTTP path the healthcheck probes (`/health`)
    #[arg(long, value_name = "PATH")]
    health_path: Option<String>,
    /// Add a backing service (redis, postgres, mysql, mongodb, rabbitmq, memcached); repeatable
    #[arg(long = "service", value_name = "NAME", value_parser = parse_service)]
    services: Vec<Service>,
    /// Leave a detected backing service out; repeatable
    #[arg(long = "no-service", value_name = "NAME", value_parser = parse_service)]
    no_services: Vec<Service>,
    /// Trust this machine's CA certificates (a corporate proxy's) in the install and build
    /// steps: mounted per step as a BuildKit secret, never copied into the image
    #[arg(long)]
    host_ca: bool,
    /// Also write compose.dev.yaml and compose.prod.yaml (the default for a folder that has no
    /// Dockerfile or compose file yet)
    #[arg(long, conflicts_with = "no_environments")]
    environments: bool,
    /// Write no compose.dev.yaml / compose.prod.yaml
    #[arg(long)]
    no_environments: bool,
}

fn parse_service(s: &str) -> std::result::Result<Service, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase())).map_err(|_| {
        format!(
            "{s}: not a service Berth knows (redis, postgres, mysql, mongodb, rabbitmq, memcached)"
        )
    })
}

impl PlanArgs {
    /// The overrides given (empty when none was).
    pub fn overrides(&self) -> Result<PlanOverrides> {
        let start_command = match &self.start {
            None => None,
            Some(cmd) => Some(shell_words::split(cmd).map_err(|e| {
                Error::InvalidPlan(format!("--start {cmd:?}: cannot split into words ({e})"))
            })?),
        };
        Ok(PlanOverrides {
            port: self.app_port,
            builder_image: self.builder_image.clone(),
            runtime_image: self.runtime_image.clone(),
            start_command,
            health_path: self.health_path.clone(),
            add_services: self.services.clone(),
            remove_services: self.no_services.clone(),
            host_ca: self.host_ca.then_some(true),
            environments: match (self.environments, self.no_environments) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn start_commands_split_like_a_shell_and_services_parse() {
        let a = PlanArgs {
            start: Some("gunicorn -b '0.0.0.0:8000' \"app:create_app()\"".into()),
            ..Default::default()
        };
        assert_eq!(
            a.overrides().unwrap().start_command.unwrap(),
            vec!["gunicorn", "-b", "0.0.0.0:8000", "app:create_app()"]
        );
        let bad = PlanArgs {
            start: Some("unterminated 'quote".into()),
            ..Default::default()
        };
        assert_eq!(
            bad.overrides().unwrap_err().kind(),
            berth_core::ErrorKind::InvalidPlan
        );
        assert_eq!(parse_service("Redis").unwrap(), Service::Redis);
        assert!(parse_service("oracle").is_err());
        assert!(PlanArgs::default().overrides().unwrap().is_empty());
    }
}
