//! `berth bench` for real: a Flask project (tests/bench/flask, its dependencies installed for
//! real from PyPI) measured natively on this machine's Python and in its container (built on
//! the stand-in python image, run by the real engine), with a small request count. Both sides
//! answer every request, the percentiles are ordered, memory is read, the folder is exactly
//! as it was, and nothing is left: no container, no image, no private copy. Then the
//! refusals: a runtime missing from PATH and a stack Berth does not run natively say so
//! (the other side reported as skipped), and a request count out of range is bad input.
//!
//! Needs a running engine (`bash scripts/start-dockerd.sh`), the stand-in base images (`make
//! standins`), and python3 with its venv module (`make setup`); missing ones fail the tests
//! with the fix. `make test` runs it with the workspace's tests.
#![cfg(unix)] // the container side runs on a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DOCKER: &str = "/usr/bin/docker";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `berth bench ARGS` with no user configuration, its private copies under `tmp`.
fn bench(args: &[&str], tmp: &Path, path: Option<&str>) -> Output {
    bench_with(args, tmp, path, &[])
}

fn bench_with(args: &[&str], tmp: &Path, path: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_berth"));
    c.arg("bench")
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .env("TMPDIR", tmp)
        .envs(env.iter().copied());
    if let Some(p) = path {
        c.env("PATH", p);
    }
    c.output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(o)))
}

fn preconditions() {
    let o = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("engine")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the bench test needs a running engine: run `bash scripts/start-dockerd.sh`\n{}",
        text(&o)
    );
    let o = Command::new("bash")
        .arg(repo_root().join("scripts/standins/standins.sh"))
        .arg("check")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the bench test needs the stand-in base images: run `make standins`\n{}",
        text(&o)
    );
}

/// A copy of tests/bench/<name> in a fresh temporary folder.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("berth-bench-test-{name}-"))
        .tempdir()
        .unwrap();
    let path = std::fs::canonicalize(dir.path()).unwrap().join(name);
    std::fs::create_dir(&path).unwrap();
    for entry in std::fs::read_dir(repo_root().join("tests/bench").join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), path.join(entry.file_name())).unwrap();
    }
    (dir, path)
}

/// Every path under `root` (links not followed) with its type, mode and content hash.
fn listing(root: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = std::fs::symlink_metadata(entry.path()).unwrap();
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string();
            let what = if meta.is_dir() {
                stack.push(entry.path());
                "dir".to_string()
            } else if meta.is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                format!("file {:x}", Sha256::digest(&bytes))
            } else {
                "other".to_string()
            };
            out.insert(rel, format!("{what} {:o}", meta.permissions().mode()));
        }
    }
    out
}

fn docker_ids(args: &[&str]) -> Vec<String> {
    let o = Command::new(DOCKER).args(args).output().unwrap();
    assert!(o.status.success(), "docker {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn measured(side: &serde_json::Value, requests: u64) -> &serde_json::Value {
    assert_eq!(side["outcome"]["outcome"], "measured", "{side:#}");
    let f = &side["outcome"]["figures"];
    assert_eq!(f["answered"], requests, "{f:#}");
    assert_eq!(f["failed"], 0, "{f:#}");
    let l = &f["latency"];
    let (p50, p95, p99) = (
        l["p50_ms"].as_f64().unwrap(),
        l["p95_ms"].as_f64().unwrap(),
        l["p99_ms"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p95 && p95 <= p99, "{l:#}");
    assert!(f["startup_ms"].as_f64().unwrap() > 0.0, "{f:#}");
    assert!(f["throughput_rps"].as_f64().unwrap() > 0.0, "{f:#}");
    assert!(f["memory_bytes"].as_u64().unwrap() > 0, "{f:#}");
    assert!(
        side["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{side:#}"
    );
    f
}

#[test]
fn a_flask_app_is_measured_natively_and_in_its_container_and_nothing_is_left() {
    preconditions();
    let (_dir, project) = copy_of("flask");
    let tmp = tempfile::tempdir().unwrap();
    let before = listing(&project);

    let o = bench(
        &[
            project.to_str().unwrap(),
            "--requests",
            "20",
            "--timeout",
            "120",
            "--json",
        ],
        tmp.path(),
        None,
    );
    let r = json(&o);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(r["requests"], 20);
    assert_eq!(r["stack"], "python");
    assert_eq!(r["framework"], "flask");
    assert_eq!(r["path"], "/health");

    let native = measured(&r["native"], 20);
    let tree = &native["tree"];
    // gunicorn: its master and one worker.
    assert!(tree["processes"].as_u64().unwrap() >= 2, "{tree:#}");
    assert!(tree["rss_bytes"].as_u64().unwrap() > 0, "{tree:#}");
    let cmd: Vec<&str> = r["native"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(cmd[0], "gunicorn", "{cmd:?}");
    assert!(cmd.iter().any(|a| a.starts_with("127.0.0.1:")), "{cmd:?}");
    assert!(
        r["native"]["runtime"]
            .as_str()
            .unwrap()
            .starts_with("Python 3"),
        "{r:#}"
    );
    measured(&r["container"], 20);
    let ratios = &r["ratios"];
    for k in ["startup", "p50", "p95", "p99", "throughput", "memory"] {
        assert!(ratios[k].as_f64().unwrap() > 0.0, "{k}: {ratios:#}");
    }

    // The folder is exactly as it was: nothing installed, written or removed in it.
    assert_eq!(listing(&project), before);
    // Nothing left: the container and its image, the private copy.
    let image = r["container"]["runtime"].as_str().unwrap();
    let container = image.trim_end_matches(":dev");
    assert!(container.starts_with("berth-flask-"), "{image}");
    assert_eq!(
        docker_ids(&["ps", "-aq", "--filter", &format!("name=^/{container}$")]),
        Vec::<String>::new()
    );
    assert_eq!(docker_ids(&["images", "-q", image]), Vec::<String>::new());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");

    // The table says the same; the native side alone needs no engine (none answers here).
    let o = bench_with(
        &[
            project.to_str().unwrap(),
            "--requests",
            "3",
            "--only",
            "native",
        ],
        tmp.path(),
        None,
        &[("DOCKER_HOST", "unix:///nonexistent/berth-no-engine.sock")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("container/native"), "{table}");
    assert!(
        table.contains("not measured: only the native side was asked"),
        "{table}"
    );
    assert_eq!(listing(&project), before);
}

#[test]
fn a_runtime_missing_from_path_or_a_stack_not_run_natively_is_said_plainly() {
    preconditions();
    let (_dir, project) = copy_of("flask");
    let tmp = tempfile::tempdir().unwrap();
    let before = listing(&project);
    // A PATH without python3 (the engine is reached over its socket, not a CLI).
    let empty = tempfile::tempdir().unwrap();
    let o = bench(
        &[project.to_str().unwrap(), "--only", "native", "--json"],
        tmp.path(),
        Some(empty.path().to_str().unwrap()),
    );
    assert_eq!(o.status.code(), Some(1), "nothing measured: {}", text(&o));
    let r = json(&o);
    assert_eq!(r["native"]["outcome"]["outcome"], "unsupported", "{r:#}");
    let why = r["native"]["outcome"]["reason"].as_str().unwrap();
    assert!(
        why.starts_with("python3 is not installed on this machine"),
        "{why}"
    );
    assert!(
        why.contains("install Python 3 with its venv module"),
        "{why}"
    );
    assert!(
        why.contains("the container side is measured on its own"),
        "{why}"
    );
    assert_eq!(r["container"]["outcome"]["outcome"], "skipped", "{r:#}");
    assert_eq!(listing(&project), before);

    let go = repo_root().join("tests/fixtures/go-cmd-server");
    let o = bench(
        &[go.to_str().unwrap(), "--only", "native", "--json"],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = json(&o);
    assert_eq!(r["stack"], "go");
    assert_eq!(r["native"]["outcome"]["outcome"], "unsupported", "{r:#}");
    assert_eq!(
        r["native"]["outcome"]["reason"],
        "Berth runs Python and Node.js apps natively; a Go app is measured in its container only"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_request_count_out_of_range_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let flask = repo_root().join("tests/bench/flask");
    for n in ["0", "10001"] {
        let o = bench(
            &[flask.to_str().unwrap(), "--requests", n],
            tmp.path(),
            None,
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("is not between 1 and 10000"),
            "{}",
            text(&o)
        );
    }
}
