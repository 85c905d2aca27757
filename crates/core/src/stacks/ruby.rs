//! Ruby: Bundler (Gemfile); Rails, Sinatra, plain Rack (config.ru).

use super::common::probe;
use super::common::{
    argv, find_re, line_of, port_of, re, resolve_port, scan_health, services_from, version_file,
    Dep, Out, SOURCE_BUDGET,
};
use super::dev::{self, DevSettings};
use super::{Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::Result;
use regex::Regex;
use std::sync::LazyLock;

pub struct Ruby;

impl StackProvider for Ruby {
    fn stack(&self) -> Stack {
        Stack::Ruby
    }

    fn label(&self) -> &'static str {
        "Ruby"
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "ruby/Dockerfile.j2",
            dockerignore: "dockerignore/ruby.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["Gemfile"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "3.3",
            majors: Some(2..=4),
            format: VersionFormat::MajorMinor,
        }
    }

    fn default_port(&self) -> u16 {
        3000
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["ruby", "app.rb"]
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        plan.runtime_image = format!("ruby:{v}-slim-bookworm");
        plan.install_steps = vec![BuildStep::new(
            &["bundle", "install"],
            &["/root/.bundle/cache"],
        )];
        if plan.framework.as_deref() == Some("rails") {
            // rails writes tmp/ and log/ inside the app folder.
            plan.read_only = false;
        }
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        probe(
            &[
                "ruby",
                "-rnet/http",
                "-e",
                "exit(Net::HTTP.get_response(URI(ARGV[0])).is_a?(Net::HTTPSuccess) ? 0 : 1)",
            ],
            url,
        )
    }

    fn probe_needs_busybox(&self) -> bool {
        false
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        let base = DevSettings::mounted("/app");
        if plan.framework.as_deref() == Some("rails") {
            // The development environment reloads code on each request.
            return base
                .running(dev::argv(&[
                    "bin/rails",
                    "server",
                    "-b",
                    "0.0.0.0",
                    "-p",
                    &dev::port(plan),
                ]))
                .with_env("RAILS_ENV", "development");
        }
        base.noting(
            "no reload command is known for this app: restart the service to pick up a change",
        )
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("redis", Service::Redis),
    ("sidekiq", Service::Redis),
    ("pg", Service::Postgres),
    ("mysql2", Service::Mysql),
    ("trilogy", Service::Mysql),
    ("mongoid", Service::Mongodb),
    ("mongo", Service::Mongodb),
    ("bunny", Service::Rabbitmq),
    ("dalli", Service::Memcached),
];

static GEM: LazyLock<Regex> = LazyLock::new(|| re(r#"(?m)^\s*gem\s+["']([\w.-]+)["']"#));
static RUBY_DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| re(r#"(?m)^\s*ruby\s+["']([\d.]+)["']"#));
static PUMA_PORT: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?m)^\s*port\s+(?:ENV\.fetch\(\s*["']PORT["']\s*\)\s*\{\s*)?(\d{2,5})"#)
});
static SINATRA_PORT: LazyLock<Regex> = LazyLock::new(|| re(r"set\s+:port\s*,\s*(\d{2,5})"));
static RAILS_UP: LazyLock<Regex> =
    LazyLock::new(|| re(r#"get\s+["']/?up["']\s*=>\s*["']rails/health#show"#));

fn detect(project: &Project) -> Result<Option<Detection>> {
    let Some(text) = project.read_opt("Gemfile")? else {
        return Ok(None);
    };
    let mut out = Out::new(Stack::Ruby, "Gemfile", None, "Gemfile at the root");
    out.manifests(project, &["Gemfile", "Gemfile.lock", ".ruby-version"]);
    let lock = project.has("Gemfile.lock");
    out.package_manager(
        "bundler",
        if lock { "Gemfile.lock" } else { "Gemfile" },
        None,
        "Bundler",
    );
    if let Some((v, l)) = version_file(project, ".ruby-version")? {
        let v = v.trim_start_matches("ruby-").to_string();
        out.version(
            &v,
            ".ruby-version",
            Some(l),
            format!(".ruby-version says {v}"),
        );
    }
    if let Some((v, l)) = find_re(&text, &RUBY_DIRECTIVE) {
        out.version(
            &v,
            "Gemfile",
            Some(l),
            format!("ruby \"{v}\" in the Gemfile"),
        );
    }
    let deps: Vec<Dep> = GEM
        .captures_iter(&text)
        .filter_map(|c| c.get(1))
        .map(|m| Dep::new(m.as_str(), "Gemfile", Some(line_of(&text, m.start()))))
        .collect();
    services_from(&mut out, &deps, SERVICES);
    let dep = |n: &str| deps.iter().find(|d| d.name == n).cloned();
    let sources = project.sources(&[".rb", ".ru"], SOURCE_BUDGET);

    let (fw, default) = if let Some(d) = dep("rails") {
        out.framework("rails", "Gemfile", d.line, "gem rails");
        ("rails", (3000, "Rails (Puma) listens on 3000 by default"))
    } else if let Some(d) = dep("sinatra") {
        out.framework("sinatra", "Gemfile", d.line, "gem sinatra");
        ("sinatra", (4567, "Sinatra listens on 4567 by default"))
    } else if project.has("config.ru") {
        out.framework("rack", "config.ru", None, "config.ru (Rack)");
        ("rack", (9292, "rackup listens on 9292 by default"))
    } else {
        ("", (3000, ""))
    };
    let mut config = None;
    if let Some(t) = project.read_opt("config/puma.rb")? {
        if let Some((p, l)) = find_re(&t, &PUMA_PORT) {
            config = port_of(
                &p,
                "config/puma.rb",
                Some(l),
                "port in config/puma.rb (explicit configuration)",
            );
        }
    }
    let res = [&*SINATRA_PORT];
    let default = (!fw.is_empty()).then_some(default);
    resolve_port(&mut out, project, config, &sources, &res, default)?;
    let port = out.d.port.unwrap_or(3000).to_string();

    match fw {
        "rails" => out.start(
            argv(&[
                "bundle", "exec", "rails", "server", "-b", "0.0.0.0", "-p", &port,
            ]),
            "Gemfile",
            None,
            "rails server bound to 0.0.0.0",
        ),
        _ if project.has("config.ru") => out.start(
            argv(&["bundle", "exec", "rackup", "--host", "0.0.0.0", "-p", &port]),
            "config.ru",
            None,
            "rackup runs config.ru",
        ),
        "sinatra" => {
            let app = ["app.rb", "server.rb", "main.rb"]
                .into_iter()
                .find(|f| project.has(f))
                .or_else(|| sources.iter().copied().find(|f| f.ends_with(".rb")))
                .unwrap_or("app.rb");
            out.start(
                argv(&["bundle", "exec", "ruby", app, "-o", "0.0.0.0", "-p", &port]),
                app,
                None,
                "classic Sinatra app run directly, bound to 0.0.0.0",
            )
        }
        _ => {
            if let Some(f) = sources
                .iter()
                .find(|f| f.ends_with(".rb") && !f.contains('/'))
            {
                out.start(
                    argv(&["bundle", "exec", "ruby", f]),
                    f,
                    None,
                    format!("script {f}"),
                );
            }
        }
    }

    if let Some(routes) = project.read_opt("config/routes.rb")? {
        if let Some((_, l)) = find_re(&routes, &RAILS_UP) {
            out.d.health_path = Some("/up".into());
            out.ev(
                "health_path",
                "config/routes.rb",
                Some(l),
                "Rails health check route /up",
            );
        }
    }
    if out.d.health_path.is_none() {
        scan_health(&mut out, project, &sources);
    }
    Ok(Some(out.finish(project)))
}
