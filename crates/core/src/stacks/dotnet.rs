//! .NET: the web project (`Sdk="Microsoft.NET.Sdk.Web"`), its TargetFramework and assembly.
//! ASP.NET Core container images listen on 8080 (`ASPNETCORE_HTTP_PORTS`).

use super::common::busybox_probe;
use super::common::plan_hint;
use super::common::{
    argv, find_re, port_of, re, resolve_port, scan_health, services_from, Dep, Out, SOURCE_BUDGET,
};
use super::dev::{self, DevSettings};
use super::xml;
use super::{hint_keys, Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::Result;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub struct Dotnet;

impl StackProvider for Dotnet {
    fn stack(&self) -> Stack {
        Stack::Dotnet
    }

    fn label(&self) -> &'static str {
        ".NET"
    }

    fn framework_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[("aspnetcore", "ASP.NET Core")]
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "dotnet/Dockerfile.j2",
            dockerignore: "dockerignore/dotnet.j2",
        }
    }

    fn is_marker(&self, name: &str) -> bool {
        name.ends_with(".csproj")
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "8.0",
            majors: Some(6..=12),
            format: VersionFormat::MajorDotZero,
        }
    }

    fn default_port(&self) -> u16 {
        8080
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["/app/server"]
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        dotnet_defaults(plan, v);
    }

    fn image_env(&self, plan: &Plan, env: &mut BTreeMap<String, String>) {
        env.insert("ASPNETCORE_HTTP_PORTS".into(), plan.port.to_string());
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        busybox_probe(url)
    }

    fn probe_needs_busybox(&self) -> bool {
        true
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        let mut cmd = dev::argv(&["dotnet", "watch", "run"]);
        if let Some(p) = plan_hint(plan, hint_keys::PROJECT_FILE) {
            cmd.extend(["--project".to_string(), p.to_string()]);
        }
        cmd.extend([
            "--urls".to_string(),
            format!("http://0.0.0.0:{}", plan.port),
        ]);
        DevSettings::mounted("/src")
            .in_stage("build")
            .running(cmd)
            .with_env("DOTNET_USE_POLLING_FILE_WATCHER", "1")
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("StackExchange.Redis", Service::Redis),
    (
        "Microsoft.Extensions.Caching.StackExchangeRedis",
        Service::Redis,
    ),
    ("Npgsql", Service::Postgres),
    ("Npgsql.EntityFrameworkCore.PostgreSQL", Service::Postgres),
    ("MySql.Data", Service::Mysql),
    ("MySqlConnector", Service::Mysql),
    ("Pomelo.EntityFrameworkCore.MySql", Service::Mysql),
    ("MongoDB.Driver", Service::Mongodb),
    ("RabbitMQ.Client", Service::Rabbitmq),
    ("EnyimMemcachedCore", Service::Memcached),
];

static KESTREL_URL: LazyLock<Regex> =
    LazyLock::new(|| re(r#""Url"\s*:\s*"https?://[^"]*:(\d{2,5})""#));
static URL_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r#"UseUrls\(\s*"https?://[^"]*:(\d{2,5})"#),
        re(r#"\.Run\(\s*"https?://[^"]*:(\d{2,5})"#),
    ]
});
static FW_NUM: LazyLock<Regex> = LazyLock::new(|| re(r"^net(?:coreapp)?(\d+\.\d+)"));

fn detect(project: &Project) -> Result<Option<Detection>> {
    // Project files at the root, or up to two folders down (`src/Api/Api.csproj`) when the
    // root has no solution/project file and no manifest of another stack.
    let root_level = project.root_files().any(|f| {
        [".csproj", ".fsproj", ".sln", ".slnx"]
            .iter()
            .any(|e| f.ends_with(e))
    });
    if !root_level
        && super::providers()
            .iter()
            .flat_map(|p| p.markers())
            .any(|m| project.has(m))
    {
        return Ok(None);
    }
    let mut projects: Vec<&str> = project
        .files()
        .iter()
        .map(String::as_str)
        .filter(|f| {
            (f.ends_with(".csproj") || f.ends_with(".fsproj")) && f.matches('/').count() <= 2
        })
        .collect();
    projects.sort_by_key(|f| (f.matches('/').count(), *f));
    if projects.is_empty() {
        return Ok(None);
    }
    let mut texts = Vec::new();
    for p in &projects {
        texts.push((*p, project.read(p)?));
    }
    let mut parsed = Vec::new();
    for (p, text) in &texts {
        parsed.push((*p, xml::parse(p, text)?));
    }
    let web = parsed
        .iter()
        .position(|(_, doc)| xml::attr(doc.root_element(), "Sdk") == Some("Microsoft.NET.Sdk.Web"));
    let (file, doc) = &parsed[web.unwrap_or(0)];
    let root_line = Some(doc.line(doc.root_element()));
    let mut out = Out::new(
        Stack::Dotnet,
        file,
        root_line,
        format!("project file {file}"),
    );
    if web.is_some() {
        out.framework(
            "aspnetcore",
            file,
            root_line,
            "Sdk=\"Microsoft.NET.Sdk.Web\"",
        );
    }
    let mut manifests: Vec<&str> = projects.clone();
    let extra: Vec<&str> = project
        .root_files()
        .filter(|f| f.ends_with(".sln") || f.ends_with(".slnx"))
        .collect();
    manifests.extend(extra);
    manifests.extend([
        "global.json",
        "NuGet.config",
        "nuget.config",
        "Directory.Build.props",
        "Directory.Packages.props",
    ]);
    out.manifests(project, &manifests);
    out.package_manager("nuget", file, None, "dotnet restore (NuGet)");
    out.hint(hint_keys::PROJECT_FILE, *file);

    let mut deps = Vec::new();
    for e in doc.elements() {
        let name = e.tag_name().name();
        if name == "TargetFramework" || name == "TargetFrameworks" {
            let text = xml::text(e);
            let first = text.split(';').next().unwrap_or("");
            if let Some((v, _)) = find_re(first, &FW_NUM) {
                out.version(
                    &v,
                    file,
                    Some(doc.line(e)),
                    format!("TargetFramework {text}"),
                );
            }
        }
        if name == "PackageReference" {
            if let Some(inc) = xml::attr(e, "Include") {
                deps.push(Dep::new(inc, file, Some(doc.line(e))));
            }
        }
    }
    services_from(&mut out, &deps, SERVICES);
    let stem = file
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file);
    let assembly = match doc.named("AssemblyName").next() {
        Some(e) => {
            let name = xml::text(e);
            out.ev(
                "start_command",
                file,
                Some(doc.line(e)),
                format!("AssemblyName {name}"),
            );
            name
        }
        None => stem.to_string(),
    };
    out.hint(hint_keys::ASSEMBLY_NAME, assembly.clone());
    out.start(
        argv(&["dotnet", &format!("{assembly}.dll")]),
        file,
        None,
        format!("published assembly {assembly}.dll"),
    );

    let dir = file
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    let settings = format!("{dir}appsettings.json");
    let config = match project.read_opt(&settings)? {
        Some(t) => find_re(&t, &KESTREL_URL).and_then(|(p, l)| {
            port_of(
                &p,
                &settings,
                Some(l),
                "Kestrel endpoint URL (explicit configuration)",
            )
        }),
        None => None,
    };
    let sources = project.sources(&[".cs", ".fs"], SOURCE_BUDGET);
    let res: Vec<&Regex> = URL_RES.iter().collect();
    let cs: Vec<&str> = sources
        .iter()
        .copied()
        .filter(|f| f.ends_with("Program.cs"))
        .collect();
    resolve_port(
        &mut out,
        project,
        config,
        &cs,
        &res,
        web.map(|_| (8080, "ASP.NET Core container images listen on 8080")),
    )?;
    if let Some(port) = out.d.port {
        out.hint(
            hint_keys::RUNTIME_ENV,
            format!("ASPNETCORE_HTTP_PORTS={port}"),
        );
    }
    scan_health(&mut out, project, &sources);
    Ok(Some(out.finish(project)))
}

/// The SDK restores and publishes the web project; the ASP.NET runtime image runs its dll.
fn dotnet_defaults(plan: &mut Plan, v: &str) {
    plan.builder_image = Some(format!("mcr.microsoft.com/dotnet/sdk:{v}"));
    plan.runtime_image = format!("mcr.microsoft.com/dotnet/aspnet:{v}-bookworm-slim");
    plan.user = "1654".into();
    let project = plan_hint(plan, hint_keys::PROJECT_FILE).map(str::to_string);
    let cache = ["/root/.nuget/packages"];
    let mut restore = vec!["dotnet".to_string(), "restore".into()];
    let mut publish = vec!["dotnet".to_string(), "publish".into()];
    if let Some(p) = &project {
        restore.push(p.clone());
        publish.push(p.clone());
    }
    publish.extend(["-c", "Release", "-o", "/out", "--no-restore"].map(String::from));
    plan.install_steps = vec![BuildStep {
        argv: restore,
        cache: cache.map(String::from).to_vec(),
    }];
    plan.build_steps = vec![BuildStep {
        argv: publish,
        cache: cache.map(String::from).to_vec(),
    }];
    let assembly = plan_hint(plan, hint_keys::ASSEMBLY_NAME)
        .map(str::to_string)
        .or_else(|| project.as_deref().and_then(assembly_from_project))
        .unwrap_or_else(|| "app".into());
    plan.start_command = vec!["dotnet".into(), format!("/app/{assembly}.dll")];
}

fn assembly_from_project(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    file.strip_suffix(".csproj")
        .or_else(|| file.strip_suffix(".fsproj"))
        .map(str::to_string)
}
