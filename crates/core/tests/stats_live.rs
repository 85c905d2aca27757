//! Live stats against a real engine (`bash scripts/start-dockerd.sh`): CPU, memory and
//! network readings of real containers, and streams that start and stop with containers.
//! No registry: the image is busybox `FROM scratch`. Fails (never skips) without an engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stats_support;

use berth_core::docker::events::ContainerAction;
use berth_core::docker::stats::StatsHub;
use berth_core::stats::{StatsEvent, HISTORY_CAPACITY};
use stats_support::{engine, samples_of, wait_for, Cli, Container, Image};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// User + system CPU seconds of a host process, from /proc/<pid>/stat.
fn proc_cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the ")" that ends the command name; utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    let hz = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .unwrap();
    ticks
        / String::from_utf8_lossy(&hz.stdout)
            .trim()
            .parse::<f64>()
            .unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_container_reads_about_one_core_and_an_idle_one_near_zero() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let spin = Container::run(
        &cli,
        "spin",
        &[],
        &image,
        &["sh", "-c", "while :; do :; done"],
    );
    let idle = Container::run(&cli, "idle", &[], &image, &["sleep", "3600"]);
    let hub = StatsHub::start(engine().await).await.unwrap();
    let mut rx = hub.subscribe();
    // Skip the first couple of samples (the spinner may still be starting), then read 4,
    // measuring the spinner's own CPU time from /proc over the same window: on a loaded
    // machine it may get less than a core, and the reading must say so.
    samples_of(&mut rx, &spin.id, 2, WAIT).await;
    let pid = cli.run(&["inspect", "-f", "{{.State.Pid}}", &spin.name]);
    let (t0, cpu0) = (std::time::Instant::now(), proc_cpu_secs(&pid));
    let busy: Vec<f64> = samples_of(&mut rx, &spin.id, 4, WAIT)
        .await
        .iter()
        .map(|s| s.cpu_percent)
        .collect();
    let truth = (proc_cpu_secs(&pid) - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    let m = median(busy.clone());
    assert!(
        (m - truth).abs() < 25.0,
        "reading {busy:?} vs the process's own {truth:.0}% of a core"
    );
    if truth > 85.0 {
        assert!(
            (60.0..=130.0).contains(&m),
            "spinning one core should read ~100%: {busy:?}"
        );
    }
    let quiet: Vec<f64> = samples_of(&mut rx, &idle.id, 3, WAIT)
        .await
        .iter()
        .map(|s| s.cpu_percent)
        .collect();
    assert!(
        quiet.iter().all(|&c| (0.0..5.0).contains(&c)),
        "sleep should read ~0%: {quiet:?}"
    );
    // Names and the rest of the sample are filled in.
    let s = samples_of(&mut rx, &idle.id, 1, WAIT).await.remove(0);
    assert_eq!(s.name, idle.name);
    assert!(
        s.mem_limit_bytes > 0 && s.mem_bytes > 0 && s.pids >= 1,
        "{s:?}"
    );
    assert!(s.ts_ms > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_grows_by_what_the_container_holds() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    // tmpfs pages are charged to the container and cannot be reclaimed while the file exists.
    let c = Container::run(
        &cli,
        "mem",
        &["--shm-size", "128m"],
        &image,
        &["sleep", "3600"],
    );
    let hub = StatsHub::start(engine().await).await.unwrap();
    let mut rx = hub.subscribe();
    let before = samples_of(&mut rx, &c.id, 2, WAIT).await[1].mem_bytes;
    c.exec(&[
        "dd",
        "if=/dev/zero",
        "of=/dev/shm/blob",
        "bs=1M",
        "count=64",
    ]);
    // The next read may predate the write; take the last of three.
    let after = samples_of(&mut rx, &c.id, 3, WAIT).await[2].mem_bytes;
    let grew = after.saturating_sub(before) as f64 / (1024.0 * 1024.0);
    assert!(
        (56.0..=80.0).contains(&grew),
        "holding 64 MiB should add ~64 MiB: {before} -> {after} ({grew:.1} MiB)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_rates_follow_traffic_between_two_containers() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let server = Container::run(
        &cli,
        "httpd",
        &[],
        &image,
        &[
            "sh",
            "-c",
            "mkdir -p /www && head -c 16m /dev/zero > /www/big && exec httpd -f -p 8080 -h /www",
        ],
    );
    let ip = server.ip();
    assert!(
        !ip.is_empty(),
        "server has no address on the default bridge"
    );
    let fetch = format!("while :; do wget -q -O /dev/null http://{ip}:8080/big; done");
    let client = Container::run(&cli, "wget", &[], &image, &["sh", "-c", &fetch]);
    let hub = StatsHub::start(engine().await).await.unwrap();
    let mut rx = hub.subscribe();
    let sent = samples_of(&mut rx, &server.id, 4, WAIT).await;
    let got = samples_of(&mut rx, &client.id, 4, WAIT).await;
    let max_tx = sent.iter().map(|s| s.net_tx_bps).fold(0.0, f64::max);
    let max_rx = got.iter().map(|s| s.net_rx_bps).fold(0.0, f64::max);
    // 16 MiB per fetch in a loop: far above 1 MB/s on any machine.
    assert!(max_tx > 1e6, "server sent {max_tx} B/s: {sent:?}");
    assert!(max_rx > 1e6, "client received {max_rx} B/s: {got:?}");
    assert!(
        sent.iter()
            .all(|s| s.net_rx_bps < s.net_tx_bps.max(1.0) * 10.0),
        "the server mostly sends: {sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_start_and_stop_with_containers() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let hub = StatsHub::start(engine().await).await.unwrap();
    let mut rx = hub.subscribe();

    let c = Container::run(&cli, "life", &[], &image, &["sleep", "3600"]);
    let id = c.id.clone();
    wait_for(&mut rx, WAIT, "start event", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id && ev.action == ContainerAction::Start)
    })
    .await;
    let got = samples_of(&mut rx, &id, 2, WAIT).await;
    assert_eq!(got[0].name, c.name);
    assert!(hub.running().iter().any(|r| r.id == id));
    assert!(hub.latest().iter().any(|s| s.id == id));
    let held = hub.history(&id).len();
    assert!(
        (2..=HISTORY_CAPACITY).contains(&held),
        "history holds {held}"
    );

    cli.run(&["kill", &c.name]);
    let ev = wait_for(&mut rx, WAIT, "die event", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id && matches!(ev.action, ContainerAction::Die { .. }))
    })
    .await;
    let StatsEvent::Container(ev) = ev else {
        unreachable!()
    };
    assert_eq!(
        ev.action,
        ContainerAction::Die {
            exit_code: Some(137)
        }
    );
    assert!(!hub.running().iter().any(|r| r.id == id));
    assert!(!hub.latest().iter().any(|s| s.id == id));
    // The stream stopped: no sample of it for a few engine reads.
    let quiet = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            if let Ok(StatsEvent::Sample(s)) = rx.recv().await {
                if s.id == id {
                    return s;
                }
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "sample after die: {quiet:?}");
    // Stopped containers keep their history; removed ones lose it.
    assert!(!hub.history(&id).is_empty());

    cli.run(&["start", &c.name]);
    samples_of(&mut rx, &id, 1, WAIT).await;
    cli.run(&["rm", "-f", &c.name]);
    wait_for(&mut rx, WAIT, "destroy event", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id && ev.action == ContainerAction::Destroy)
    })
    .await;
    assert!(
        hub.history(&id).is_empty(),
        "history of a removed container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_out_of_memory_events_are_published() {
    let cli = Cli::default_engine();
    let image = Image::busybox(&cli);
    let hub = StatsHub::start(engine().await).await.unwrap();
    let mut rx = hub.subscribe();

    let healthy = Container::run(
        &cli,
        "health",
        &["--health-cmd", "true", "--health-interval", "1s"],
        &image,
        &["sleep", "3600"],
    );
    let id = healthy.id.clone();
    wait_for(&mut rx, WAIT, "healthy event", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id
            && ev.action == ContainerAction::Health { status: "healthy".into() })
    })
    .await;

    // 16 MiB limit, no swap; tail holds 60 MiB: the kernel kills it.
    let oom = Container::run(
        &cli,
        "oom",
        &["-m", "16m", "--memory-swap", "16m"],
        &image,
        &[
            "sh",
            "-c",
            "sleep 2; head -c 64m /dev/zero | tail -c 60m >/dev/null; sleep 3600",
        ],
    );
    let id = oom.id.clone();
    wait_for(&mut rx, WAIT, "oom event", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id && ev.action == ContainerAction::Oom)
    })
    .await;
}
