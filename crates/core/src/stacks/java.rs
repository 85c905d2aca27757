//! Java: Maven (pom.xml) or Gradle (build.gradle[.kts]), with or without wrappers; Spring Boot.
//! The built jar is copied to `/app/app.jar` and run with `java -jar`.

use super::common::busybox_probe;
use super::common::plan_hint;
use super::common::{
    argv, find_re, line_of, port_of, re, resolve_port, scan_health, services_from, Dep, Out,
    SOURCE_BUDGET,
};
use super::dev::{self, DevSettings};
use super::xml;
use super::{hint_keys, Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::{Error, Result};
use regex::Regex;
use std::sync::LazyLock;

pub struct Java;

impl StackProvider for Java {
    fn stack(&self) -> Stack {
        Stack::Java
    }

    fn label(&self) -> &'static str {
        "Java"
    }

    fn framework_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[("spring-boot", "Spring Boot")]
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "java/Dockerfile.j2",
            dockerignore: "dockerignore/java.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["pom.xml", "build.gradle", "build.gradle.kts"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "21",
            majors: Some(11..=30),
            format: VersionFormat::Major,
        }
    }

    fn default_port(&self) -> u16 {
        8080
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["/app/server"]
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        java_defaults(plan, v);
    }

    fn service_env(&self, service: Service) -> &'static [(&'static str, &'static str)] {
        match service {
            Service::Postgres => &[
                (
                    "SPRING_DATASOURCE_URL",
                    "jdbc:postgresql://postgres:5432/app",
                ),
                ("SPRING_DATASOURCE_USERNAME", "app"),
                ("SPRING_DATASOURCE_PASSWORD", "app"),
            ],
            Service::Mysql => &[
                ("SPRING_DATASOURCE_URL", "jdbc:mysql://mysql:3306/app"),
                ("SPRING_DATASOURCE_USERNAME", "app"),
                ("SPRING_DATASOURCE_PASSWORD", "app"),
            ],
            Service::Redis | Service::Mongodb | Service::Rabbitmq | Service::Memcached => &[],
        }
    }

    fn health_start_period_seconds(&self) -> u32 {
        // The JVM and Spring take a while to start.
        60
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        busybox_probe(url)
    }

    fn probe_needs_busybox(&self) -> bool {
        true
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        java_dev(plan)
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("spring-boot-starter-data-redis", Service::Redis),
    ("jedis", Service::Redis),
    ("lettuce-core", Service::Redis),
    ("postgresql", Service::Postgres),
    ("mysql-connector-j", Service::Mysql),
    ("mysql-connector-java", Service::Mysql),
    ("mariadb-java-client", Service::Mysql),
    ("spring-boot-starter-data-mongodb", Service::Mongodb),
    ("mongodb-driver-sync", Service::Mongodb),
    ("spring-boot-starter-amqp", Service::Rabbitmq),
    ("amqp-client", Service::Rabbitmq),
    ("spymemcached", Service::Memcached),
    ("xmemcached", Service::Memcached),
];

static GRADLE_DEP: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?m)^\s*(?:implementation|api|runtimeOnly|compileOnly)\s*\(?\s*["']([\w.-]+):([\w.-]+)"#)
});
static GRADLE_BOOT: LazyLock<Regex> = LazyLock::new(|| re(r#"org\.springframework\.boot"#));
static GRADLE_JAVA: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)"),
        re(r"JavaVersion\.VERSION_(\d+(?:_\d+)?)"),
        re(r#"sourceCompatibility\s*=\s*["']?(\d+(?:\.\d+)?)"#),
    ]
});
static PROP_PORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*server\.port\s*[=:]\s*(\d{2,5})\s*$"));
static YAML_PORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^server:[ \t]*\r?\n(?:[ \t]+.*\r?\n)*?[ \t]+port:[ \t]*(\d{2,5})"));
static PORT_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"new InetSocketAddress\(\s*(\d{2,5})\s*\)"),
        re(r"\.port\(\s*(\d{2,5})\s*\)"),
    ]
});

fn detect(project: &Project) -> Result<Option<Detection>> {
    let gradle = project.first_of(&["build.gradle.kts", "build.gradle"]);
    let mut deps = Vec::new();
    let mut boot: Option<(String, Option<u32>, String)> = None;
    let mut out = if let Some(text) = project.read_opt("pom.xml")? {
        let mut out = Out::new(Stack::Java, "pom.xml", None, "pom.xml at the root (Maven)");
        out.manifests(
            project,
            &["pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties"],
        );
        let wrapper = project.has("mvnw");
        out.hint(hint_keys::WRAPPER, wrapper.to_string());
        let detail = if wrapper {
            "Maven with the mvnw wrapper"
        } else {
            "Maven (no wrapper)"
        };
        out.package_manager(
            "maven",
            if wrapper { "mvnw" } else { "pom.xml" },
            None,
            detail,
        );
        maven(&mut out, &text, &mut deps, &mut boot)?;
        out
    } else if let Some(g) = gradle {
        let text = project.read(g)?;
        let mut out = Out::new(Stack::Java, g, None, format!("{g} at the root (Gradle)"));
        out.manifests(
            project,
            &[
                g,
                "settings.gradle",
                "settings.gradle.kts",
                "gradle.properties",
                "gradlew",
                "gradle/wrapper/gradle-wrapper.properties",
                "gradle/libs.versions.toml",
            ],
        );
        let wrapper = project.has("gradlew");
        out.hint(hint_keys::WRAPPER, wrapper.to_string());
        let detail = if wrapper {
            "Gradle with the gradlew wrapper"
        } else {
            "Gradle (no wrapper)"
        };
        out.package_manager("gradle", if wrapper { "gradlew" } else { g }, None, detail);
        for c in GRADLE_DEP.captures_iter(&text) {
            if let Some(m) = c.get(2) {
                deps.push(Dep::new(m.as_str(), g, Some(line_of(&text, m.start()))));
            }
        }
        if let Some((_, l)) = find_re(&text, &GRADLE_BOOT) {
            boot = Some((
                g.to_string(),
                Some(l),
                "org.springframework.boot plugin".into(),
            ));
        }
        for r in GRADLE_JAVA.iter() {
            if let Some((v, l)) = find_re(&text, r) {
                out.version(&v.replace('_', "."), g, Some(l), format!("Java {v} in {g}"));
                break;
            }
        }
        out
    } else {
        return Ok(None);
    };
    if boot.is_none() {
        if let Some(d) = deps
            .iter()
            .find(|d| d.name.starts_with("spring-boot-starter"))
        {
            boot = Some((d.file.clone(), d.line, format!("dependency {}", d.name)));
        }
    }
    if let Some((f, l, why)) = &boot {
        out.framework("spring-boot", f, *l, why.clone());
    }
    services_from(&mut out, &deps, SERVICES);
    out.start(
        argv(&["java", "-jar", "/app/app.jar"]),
        out.d.evidence[0].file.clone().as_str(),
        None,
        "the built jar, copied to /app/app.jar",
    );

    let mut config = None;
    for f in [
        "src/main/resources/application.properties",
        "src/main/resources/application.yml",
        "src/main/resources/application.yaml",
    ] {
        if let Some(t) = project.read_opt(f)? {
            let r = if f.ends_with(".properties") {
                &*PROP_PORT
            } else {
                &*YAML_PORT
            };
            if let Some((p, l)) = find_re(&t, r) {
                config = port_of(&p, f, Some(l), "server.port (explicit configuration)");
                break;
            }
        }
    }
    let sources = project.sources(&[".java", ".kt"], SOURCE_BUDGET);
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    let default = if boot.is_some() {
        (8080, "Spring Boot listens on 8080 by default")
    } else {
        (8080, "Java services conventionally listen on 8080")
    };
    resolve_port(&mut out, project, config, &sources, &res, Some(default))?;
    if let Some(d) = deps
        .iter()
        .find(|d| d.name == "spring-boot-starter-actuator")
    {
        out.d.health_path = Some("/actuator/health".into());
        let (f, l) = (d.file.clone(), d.line);
        out.ev(
            "health_path",
            &f,
            l,
            "Spring Boot Actuator exposes /actuator/health",
        );
    } else {
        scan_health(&mut out, project, &sources);
    }
    Ok(Some(out.finish(project)))
}

fn maven(
    out: &mut Out,
    text: &str,
    deps: &mut Vec<Dep>,
    boot: &mut Option<(String, Option<u32>, String)>,
) -> Result<()> {
    let doc = xml::parse("pom.xml", text)?;
    if doc.root_element().tag_name().name() != "project" {
        return Err(Error::InvalidManifest {
            file: "pom.xml".into(),
            line: Some(1),
            message: "the root element is not <project>".into(),
        });
    }
    for e in doc.named("artifactId") {
        let (name, line) = (xml::text(e), Some(doc.line(e)));
        if xml::has_path(e, &["project", "dependencies", "dependency", "artifactId"]) {
            deps.push(Dep::new(&name, "pom.xml", line));
        } else if name == "spring-boot-starter-parent"
            && xml::has_path(e, &["project", "parent", "artifactId"])
        {
            *boot = Some((
                "pom.xml".into(),
                line,
                "parent spring-boot-starter-parent".into(),
            ));
        } else if name == "spring-boot-maven-plugin"
            && boot.is_none()
            && xml::has_path(e, &["project", "build", "plugins", "plugin", "artifactId"])
        {
            *boot = Some(("pom.xml".into(), line, "spring-boot-maven-plugin".into()));
        }
    }
    for key in [
        "java.version",
        "maven.compiler.release",
        "maven.compiler.source",
    ] {
        if let Some(e) = doc
            .named(key)
            .find(|e| xml::has_path(*e, &["project", "properties", key]))
        {
            let v = xml::text(e);
            out.version(
                &v,
                "pom.xml",
                Some(doc.line(e)),
                format!("<{key}>{v}</{key}>"),
            );
            break;
        }
    }
    Ok(())
}

/// A JDK builder (the wrapper's, or the Maven/Gradle image) and a JRE runtime running the
/// built jar.
fn java_defaults(plan: &mut Plan, v: &str) {
    let gradle = plan.package_manager.as_deref() == Some("gradle");
    let wrapper = plan_hint(plan, hint_keys::WRAPPER) == Some("true");
    plan.builder_image = Some(match (gradle, wrapper) {
        (_, true) => format!("eclipse-temurin:{v}-jdk"),
        (true, false) => format!("gradle:8.10-jdk{v}"),
        (false, false) => format!("maven:3.9-eclipse-temurin-{v}"),
    });
    plan.runtime_image = format!("eclipse-temurin:{v}-jre");
    let tool = match (gradle, wrapper) {
        (true, true) => "./gradlew",
        (true, false) => "gradle",
        (false, true) => "./mvnw",
        (false, false) => "mvn",
    };
    if gradle {
        let cache = ["/root/.gradle"];
        let task = if plan.framework.as_deref() == Some("spring-boot") {
            "bootJar"
        } else {
            "jar"
        };
        plan.install_steps = vec![BuildStep::new(
            &[tool, "dependencies", "--no-daemon"],
            &cache,
        )];
        plan.build_steps = vec![BuildStep::new(
            &[tool, task, "-x", "test", "--no-daemon"],
            &cache,
        )];
    } else {
        let cache = ["/root/.m2"];
        plan.install_steps = vec![BuildStep::new(
            &[tool, "-B", "dependency:go-offline"],
            &cache,
        )];
        plan.build_steps = vec![BuildStep::new(
            &[tool, "-B", "package", "-DskipTests"],
            &cache,
        )];
    }
    plan.start_command = vec!["java".into(), "-jar".into(), "/app/app.jar".into()];
}

/// Spring Boot runs with its build tool's run goal in the build stage (devtools, when the
/// project has it, restarts on a change); other apps keep the image's `java -jar` with the
/// source mounted beside it. Both get a JDWP debugger on 5005.
fn java_dev(plan: &Plan) -> DevSettings {
    let jdwp = "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005";
    if plan.framework.as_deref() != Some("spring-boot") {
        let mut d = DevSettings::mounted("/src")
            .with_env("JAVA_TOOL_OPTIONS", jdwp)
            .debugging(5005, "JDWP")
            .noting("no reload for a plain jar: rebuild the image to pick up a change");
        d.read_only_source = true;
        return d;
    }
    let gradle = plan.package_manager.as_deref() == Some("gradle");
    let wrapper = plan_hint(plan, hint_keys::WRAPPER) == Some("true");
    let cmd = match (gradle, wrapper) {
        (true, true) => dev::argv(&["./gradlew", "bootRun", "--no-daemon"]),
        (true, false) => dev::argv(&["gradle", "bootRun", "--no-daemon"]),
        (false, true) => dev::argv(&["./mvnw", "-B", "spring-boot:run"]),
        (false, false) => dev::argv(&["mvn", "-B", "spring-boot:run"]),
    };
    DevSettings::mounted("/app")
        .in_stage("build")
        .running(cmd)
        .with_env("JAVA_TOOL_OPTIONS", jdwp)
        .debugging(5005, "JDWP")
}
