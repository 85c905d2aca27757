//! `berth stats` against a real engine (`bash scripts/start-dockerd.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../core/tests/stats_support/mod.rs"]
mod stats_support;

use stats_support::{Cli, Container, Image};
use std::process::{Command, Stdio};
use std::time::Duration;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

#[test]
fn json_once_prints_each_running_container_with_exactly_the_documented_fields() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let spin = Container::run(
        &cli,
        "clispin",
        &[],
        &image,
        &["sh", "-c", "while :; do :; done"],
    );
    let idle = Container::run(&cli, "cliidle", &[], &image, &["sleep", "3600"]);
    let out = Command::new(BERTH)
        .args(["stats", "--json", "--once"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "berth stats failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let find = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from {rows:#?}"))
    };
    for c in [&spin, &idle] {
        let r = find(&c.id);
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "blk_read_bps",
                "blk_write_bps",
                "cpu_percent",
                "id",
                "mem_bytes",
                "mem_limit_bytes",
                "mem_percent",
                "name",
                "net_rx_bps",
                "net_tx_bps",
                "pids"
            ]
        );
        assert_eq!(r["name"], c.name.as_str());
        assert!(r["mem_bytes"].as_u64().unwrap() > 0);
        assert!(r["mem_limit_bytes"].as_u64().unwrap() > 0);
        assert!(r["pids"].as_u64().unwrap() >= 1);
    }
    // A real two-read CPU figure, not the zero of a single read.
    let busy = find(&spin.id)["cpu_percent"].as_f64().unwrap();
    assert!(busy > 10.0, "spinner reads {busy}%");
    let quiet = find(&idle.id)["cpu_percent"].as_f64().unwrap();
    assert!(quiet < 5.0, "sleeper reads {quiet}%");
}

/// `12.5MiB`, `1.944GiB`, `512kB`, `0B` (docker's human sizes) -> bytes.
fn docker_size(s: &str) -> f64 {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().unwrap_or_else(|_| panic!("size {s}"));
    let mul = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        other => panic!("unit {other} in {s}"),
    };
    n * mul
}

#[test]
fn json_once_agrees_with_docker_stats_within_tolerance() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let spin = Container::run(
        &cli,
        "cmpspin",
        &[],
        &image,
        &["sh", "-c", "while :; do :; done"],
    );
    // About 48 MiB held in a shell variable, plus three sleeping children: known memory and pids.
    let hold = Container::run(
        &cli,
        "cmphold",
        &["--memory", "256m"],
        &image,
        &[
            "sh",
            "-c",
            "x=$(head -c 50000000 /dev/zero | tr '\\0' a); sleep 3600 & sleep 3600 & sleep 3600 & wait",
        ],
    );
    std::thread::sleep(Duration::from_secs(3));
    // Both tools read the same engine over the same seconds.
    let docker = std::thread::spawn(|| {
        Command::new(stats_support::DOCKER)
            .args(["stats", "--no-stream", "--format", "{{json .}}"])
            .output()
            .unwrap()
    });
    let berth = Command::new(BERTH)
        .args(["stats", "--json", "--once"])
        .output()
        .unwrap();
    let docker = docker.join().unwrap();
    assert!(
        docker.status.success(),
        "{}",
        String::from_utf8_lossy(&docker.stderr)
    );
    assert!(
        berth.status.success(),
        "{}",
        String::from_utf8_lossy(&berth.stderr)
    );
    let ours: Vec<serde_json::Value> = serde_json::from_slice(&berth.stdout).unwrap();
    let theirs: Vec<serde_json::Value> = String::from_utf8_lossy(&docker.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for c in [&spin, &hold] {
        let o = ours.iter().find(|r| r["id"] == c.id.as_str()).unwrap();
        let t = theirs
            .iter()
            .find(|r| r["Name"] == c.name.as_str())
            .unwrap_or_else(|| panic!("{} missing from docker stats: {theirs:#?}", c.name));
        let (used, limit) = t["MemUsage"].as_str().unwrap().split_once(" / ").unwrap();
        let ours_mem = o["mem_bytes"].as_f64().unwrap();
        let their_mem = docker_size(used);
        // Same page-cache rule as docker's CLI; the two reads are a moment apart.
        assert!(
            (ours_mem - their_mem).abs() <= their_mem * 0.15 + 4.0 * 1024.0 * 1024.0,
            "{}: berth {ours_mem} vs docker {their_mem}",
            c.name
        );
        let ours_limit = o["mem_limit_bytes"].as_f64().unwrap();
        assert!(
            (ours_limit - docker_size(limit)).abs() <= docker_size(limit) * 0.01,
            "{}: limit berth {ours_limit} vs docker {limit}",
            c.name
        );
        assert_eq!(
            o["pids"].as_u64().unwrap().to_string(),
            t["PIDs"].as_str().unwrap(),
            "{}",
            c.name
        );
        let ours_cpu = o["cpu_percent"].as_f64().unwrap();
        let their_cpu: f64 = t["CPUPerc"]
            .as_str()
            .unwrap()
            .trim_end_matches('%')
            .parse()
            .unwrap();
        assert!(
            (ours_cpu - their_cpu).abs() <= 25.0,
            "{}: cpu berth {ours_cpu}% vs docker {their_cpu}%",
            c.name
        );
    }
    let held = ours.iter().find(|r| r["id"] == hold.id.as_str()).unwrap()["mem_bytes"]
        .as_f64()
        .unwrap();
    assert!(held > 40e6, "the holder reads {held} bytes");
}

#[test]
fn plain_output_appends_lines_without_escape_codes_when_not_a_terminal() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let c = Container::run(&cli, "cliplain", &[], &image, &["sleep", "3600"]);
    let mut child = Command::new(BERTH)
        .arg("stats")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\x1b'),
        "escape codes in piped output: {text:?}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("NAME")
            && l.contains("CPU %")
            && l.contains("MEM USAGE / LIMIT")
            && l.contains("PIDS")),
        "{text}"
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("NAME")).count(), 1);
    assert!(
        lines.iter().filter(|l| l.starts_with(&c.name)).count() >= 2,
        "expected a line per refresh for {}: {text}",
        c.name
    );
}

#[test]
fn an_unreachable_engine_is_a_clear_error_and_exit_1() {
    let out = Command::new(BERTH)
        .args(["stats", "--json", "--once"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("berth: ") && err.contains("/nonexistent/docker.sock"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
