//! `berth deploy|rollback|history` end to end: the real binary, its `--json` shape, an engine
//! that does not answer (refused), and a deploy on the real engine (start it with
//! `bash scripts/start-dockerd.sh`; fails, not skips, without one). Cleaned up with
//! `berth down --images` and by label.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const DOCKER: &str = "/usr/bin/docker";

fn berth(args: &[&str]) -> Output {
    berth_with(args, &[])
}

fn berth_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// `berth deploy FOLDER --env prod --engine ENGINE --port PORT --state-dir STATE --version V --json`.
fn deploy_json(
    folder: &str,
    state: &str,
    port: &str,
    engine: &str,
    version: &str,
    env: &[(&str, &str)],
) -> Output {
    berth_with(
        &[
            "deploy",
            folder,
            "--env",
            "prod",
            "--engine",
            engine,
            "--port",
            port,
            "--state-dir",
            state,
            "--version",
            version,
            "--json",
        ],
        env,
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

struct Folder(#[allow(dead_code)] tempfile::TempDir, std::path::PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = berth(&["down", &self.1.display().to_string(), "--images"]);
        let filter = format!("label=dev.berth.project={}", self.1.display());
        let o = Command::new(DOCKER)
            .args(["images", "-q", "--filter", &filter])
            .output()
            .unwrap();
        for id in String::from_utf8_lossy(&o.stdout).split_whitespace() {
            let _ = Command::new(DOCKER).args(["rmi", "-f", id]).output();
        }
    }
}

fn folder() -> Folder {
    let dir = tempfile::Builder::new()
        .prefix("berth-deploy-cli-")
        .tempdir()
        .unwrap();
    let path = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::copy("/bin/busybox", path.join("busybox")).unwrap();
    std::fs::write(
        path.join("Dockerfile"),
        format!(
            "FROM scratch\nCOPY busybox /bin/busybox\n\
             RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /www && echo cli-{} > /www/index.html && echo ok > /www/health\"]\n\
             USER 65534\nEXPOSE 8080\n\
             HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/health\"]\n\
             CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            std::process::id()
        ),
    )
    .unwrap();
    Folder(dir, path)
}

#[test]
fn an_engine_that_does_not_answer_refuses_the_deploy_as_json() {
    let f = folder();
    let state = tempfile::tempdir().unwrap();
    let o = berth(&[
        "deploy",
        &f.1.display().to_string(),
        "--env",
        "prod",
        "--engine",
        "unix:///nonexistent/berth-test.sock",
        "--state-dir",
        &state.path().display().to_string(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["validated"][0]["name"], "engine");
    assert_eq!(v["validated"][0]["ok"], false);
    assert!(v["reason"].as_str().unwrap().contains("nonexistent"), "{v}");
    // A bad environment name is bad input.
    let o = berth(&["deploy", &f.1.display().to_string(), "--env", "staging"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn deploy_reports_the_issue_json_shape_and_history_lists_it() {
    let f = folder();
    let state = tempfile::tempdir().unwrap();
    let s = state.path().display().to_string();
    let p = f.1.display().to_string();
    let o = berth(&[
        "deploy",
        &p,
        "--env",
        "prod",
        "--port",
        "18781",
        "--state-dir",
        &s,
        "--version",
        "one",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    for key in [
        "version",
        "engine",
        "env",
        "validated",
        "outcome",
        "url",
        "previous",
        "reason",
    ] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    assert_eq!(v["version"], "one");
    assert_eq!(v["env"], "prod");
    assert_eq!(v["outcome"], "deployed");
    assert_eq!(v["url"], "http://localhost:18781");
    assert!(v["previous"].is_null());
    let body = Command::new("/bin/busybox")
        .args(["wget", "-q", "-O", "-", "http://127.0.0.1:18781/"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&body.stdout).trim(),
        format!("cli-{}", std::process::id())
    );
    let h = json(&berth(&["history", &p, "--state-dir", &s, "--json"]));
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(h[0]["outcome"], "deployed");
    assert_eq!(h[0]["action"], "deploy");
    let text = berth(&["history", &p, "--state-dir", &s]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("one"));
    // Nothing earlier to return to.
    let o = berth(&["rollback", &p, "--state-dir", &s]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(Path::new(&p).exists());
}

/// Removes what was made for a folder on the second engine.
struct SecondEngineGuard(String);

impl Drop for SecondEngineGuard {
    fn drop(&mut self) {
        let filter = format!("label=dev.berth.project={}", self.0);
        for (list, rm) in [
            (vec!["ps", "-aq"], vec!["rm", "-f"]),
            (vec!["images", "-q"], vec!["rmi", "-f"]),
        ] {
            let o = Command::new(DOCKER)
                .args(["-H", SECOND])
                .args(&list)
                .args(["--filter", &filter])
                .output()
                .unwrap();
            for id in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                let _ = Command::new(DOCKER)
                    .args(["-H", SECOND])
                    .args(&rm)
                    .arg(id)
                    .output();
            }
        }
    }
}

const SECOND: &str = "unix:///run/berth-dockerd2/docker.sock";
/// The second engine's TLS address (`--tlsverify`), and its client certificates' folder.
const SECOND_TLS: &str = "tcp://127.0.0.1:23762";
const SECOND_CERTS: &str = "/run/berth-dockerd2/tls/client";

fn start_second_engine() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/second-dockerd.sh");
    let st = Command::new("bash")
        .arg(&script)
        .arg("start")
        .status()
        .unwrap();
    assert!(st.success(), "scripts/second-dockerd.sh start failed");
}

fn served(port: u16) -> String {
    let body = Command::new("/bin/busybox")
        .args([
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&body.stdout).trim().to_string()
}

/// The second engine over TLS (client certificates, the engine's own CA), reached both ways
/// the docker CLI reaches one: a docker context made by `docker context create` (its TLS
/// files copied into the context store), and `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH` with an
/// address. Without the certificates the same address is refused, saying why.
#[test]
fn a_deploy_over_tls_through_a_context_and_through_the_environment() {
    start_second_engine();
    let f = folder();
    let p = f.1.display().to_string();
    let _guard = SecondEngineGuard(p.clone());
    let state = tempfile::tempdir().unwrap();
    let s = state.path().display().to_string();
    let config = tempfile::tempdir().unwrap();
    let cfg = config.path().display().to_string();
    let docker_tls = format!(
        "host={SECOND_TLS},ca={SECOND_CERTS}/ca.pem,cert={SECOND_CERTS}/cert.pem,key={SECOND_CERTS}/key.pem"
    );
    let made = Command::new(DOCKER)
        .args(["context", "create", "berth-tls", "--docker", &docker_tls])
        .env("DOCKER_CONFIG", &cfg)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let deploy = |engine: &str, version: &str, env: &[(&str, &str)]| {
        deploy_json(&p, &s, "18783", engine, version, env)
    };
    // Plain HTTP to a TLS engine: refused at validation, nothing built.
    let o = deploy(SECOND_TLS, "plain", &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["outcome"], "refused", "{v}");
    assert_eq!(v["validated"][0]["name"], "engine");
    // The context.
    let o = deploy("berth-tls", "tls1", &[("DOCKER_CONFIG", &cfg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["outcome"], "deployed", "{v}");
    assert_eq!(v["engine"], SECOND_TLS);
    assert_eq!(served(18783), format!("cli-{}", std::process::id()));
    // The environment variables, replacing tls1 with tls2.
    let o = deploy(
        SECOND_TLS,
        "tls2",
        &[
            ("DOCKER_CONFIG", &cfg),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", SECOND_CERTS),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["outcome"], "deployed", "{v}");
    assert_eq!(v["previous"], "tls1", "{v}");
    assert_eq!(served(18783), format!("cli-{}", std::process::id()));
    // Certificates that are not there: refused, naming the file.
    let o = deploy(
        SECOND_TLS,
        "tls3",
        &[
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/nonexistent-berth-certs"),
        ],
    );
    let v = json(&o);
    assert_eq!(v["outcome"], "refused", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("/nonexistent-berth-certs/ca.pem"),
        "{v}"
    );
    // Nothing of it on the first engine.
    let filter = format!("label=dev.berth.project={p}");
    let o = Command::new(DOCKER)
        .args(["ps", "-q", "--filter", &filter])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "");
}

/// The second engine through an SSH-forwarded socket: a throwaway sshd on 127.0.0.1
/// (scripts/test-sshd.sh, its own keys and client config, reached with `BERTH_SSH_COMMAND`),
/// `--engine ssh://berth-sshd/<the second engine's socket>`. An unknown host is refused with
/// ssh's own message, and the tunnel does not outlive the command.
#[test]
fn a_deploy_through_an_ssh_tunnel() {
    start_second_engine();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-sshd.sh");
    let st = Command::new("bash")
        .arg(&script)
        .arg("start")
        .status()
        .unwrap();
    assert!(st.success(), "scripts/test-sshd.sh start failed");
    let ssh = "ssh -F /run/berth-sshd/ssh_config";
    let f = folder();
    let p = f.1.display().to_string();
    let _guard = SecondEngineGuard(p.clone());
    let state = tempfile::tempdir().unwrap();
    let s = state.path().display().to_string();
    let deploy = |engine: &str, version: &str| {
        deploy_json(
            &p,
            &s,
            "18784",
            engine,
            version,
            &[("BERTH_SSH_COMMAND", ssh)],
        )
    };
    let engine = "ssh://berth-sshd/run/berth-dockerd2/docker.sock";
    let o = deploy(engine, "ssh1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["outcome"], "deployed", "{v}");
    assert_eq!(v["engine"], engine);
    // Published on the remote machine's loopback: no URL that would point at this one.
    assert!(v["url"].is_null(), "{v}");
    assert_eq!(served(18784), format!("cli-{}", std::process::id()));
    let filter = format!("label=dev.berth.project={p}");
    let o = Command::new(DOCKER)
        .args(["-H", SECOND, "ps", "-q", "--filter", &filter])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .count(),
        1
    );
    // No tunnel left running for this command.
    let o = Command::new("pgrep")
        .args(["-f", "berth-ssh-.*docker.sock"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "",
        "a tunnel outlived berth"
    );
    // A host ssh cannot reach: refused, with ssh's words.
    let o = deploy("ssh://berth-sshd-absent.invalid", "ssh2");
    let v = json(&o);
    assert_eq!(v["outcome"], "refused", "{v}");
    let why = v["reason"].as_str().unwrap();
    assert!(why.contains("ssh ended"), "{why}");
}

/// A second dockerd on its own socket and data root (scripts/second-dockerd.sh, started here
/// when it does not answer) stands in for a remote host: the deploy builds and runs there,
/// and nothing of it lands on the first engine.
#[test]
fn a_deploy_to_a_second_engine_runs_there_and_not_on_the_first() {
    start_second_engine();
    let f = folder();
    let p = f.1.display().to_string();
    let _guard = SecondEngineGuard(p.clone());
    let state = tempfile::tempdir().unwrap();
    let s = state.path().display().to_string();
    let o = deploy_json(&p, &s, "18782", SECOND, "remote1", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["outcome"], "deployed", "{v}");
    assert_eq!(v["engine"], SECOND);
    assert_eq!(served(18782), format!("cli-{}", std::process::id()));
    let filter = format!("label=dev.berth.project={p}");
    let on = |host: &str| {
        let o = Command::new(DOCKER)
            .args(["-H", host, "ps", "-q", "--filter", &filter])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .count()
    };
    assert_eq!(on(SECOND), 1);
    assert_eq!(on("unix:///var/run/docker.sock"), 0);
    let h = json(&berth(&["history", &p, "--state-dir", &s, "--json"]));
    assert_eq!(h[0]["engine"], SECOND);
}
