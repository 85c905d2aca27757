use super::*;

/// One second on a 2-CPU host where the container used `container_ns` of CPU time.
fn raw_cpu(container_ns: u64, online: u32, percpu: u32) -> RawStats {
    RawStats {
        cpu_total: 5_000_000_000 + container_ns,
        precpu_total: 5_000_000_000,
        system_cpu: 100_000_000_000 + 2_000_000_000,
        presystem_cpu: 100_000_000_000,
        online_cpus: online,
        percpu_len: percpu,
        ..RawStats::default()
    }
}

#[test]
fn one_busy_core_reads_100_percent() {
    let pct = cpu_percent(&raw_cpu(1_000_000_000, 2, 0));
    assert!((pct - 100.0).abs() < 1e-9, "{pct}");
}

#[test]
fn half_a_core_reads_50_percent_and_idle_reads_0() {
    assert!((cpu_percent(&raw_cpu(500_000_000, 2, 0)) - 50.0).abs() < 1e-9);
    assert_eq!(cpu_percent(&raw_cpu(0, 2, 0)), 0.0);
}

#[test]
fn cpu_falls_back_to_percpu_length_on_cgroup_v1() {
    // No online_cpus: two per-CPU entries stand in for it.
    let pct = cpu_percent(&raw_cpu(2_000_000_000, 0, 2));
    assert!((pct - 200.0).abs() < 1e-9, "{pct}");
    // Neither: no basis for a percentage.
    assert_eq!(cpu_percent(&raw_cpu(2_000_000_000, 0, 0)), 0.0);
}

#[test]
fn cpu_without_previous_read_or_with_backwards_counters_is_zero() {
    let mut r = raw_cpu(1_000_000_000, 2, 0);
    r.presystem_cpu = 0;
    assert_eq!(cpu_percent(&r), 0.0);
    let mut r = raw_cpu(1_000_000_000, 2, 0);
    r.precpu_total = r.cpu_total + 1;
    assert_eq!(cpu_percent(&r), 0.0);
    let mut r = raw_cpu(1_000_000_000, 2, 0);
    r.system_cpu = r.presystem_cpu;
    assert_eq!(cpu_percent(&r), 0.0);
}

#[test]
fn memory_subtracts_inactive_cache_and_never_underflows() {
    let r = RawStats {
        mem_usage: 100 << 20,
        mem_inactive_file: 30 << 20,
        mem_limit: 1 << 30,
        ..RawStats::default()
    };
    assert_eq!(mem_in_use(&r), 70 << 20);
    let odd = RawStats {
        mem_usage: 10,
        mem_inactive_file: 20,
        ..RawStats::default()
    };
    assert_eq!(mem_in_use(&odd), 10);
    assert!((mem_percent(256 << 20, 1 << 30) - 25.0).abs() < 1e-9);
    assert_eq!(mem_percent(5, 0), 0.0);
}

#[test]
fn counter_rates_handle_resets_and_zero_time() {
    assert_eq!(counter_rate(1000, 3000, 2.0), 1000.0);
    // Reset: counted from zero again, so the new value is the delta.
    assert_eq!(counter_rate(5000, 400, 2.0), 200.0);
    assert_eq!(counter_rate(1000, 3000, 0.0), 0.0);
    assert_eq!(counter_rate(1000, 3000, -1.0), 0.0);
    assert_eq!(counter_rate(1000, 1000, 1.0), 0.0);
}

#[test]
fn tracker_needs_two_reads_and_uses_engine_time_delta() {
    let mut t = RateTracker::new();
    let first = RawStats {
        read_ns: Some(10_000_000_000),
        net_rx: 1_000,
        net_tx: 2_000,
        blk_read: 0,
        blk_write: 4096,
        mem_usage: 50 << 20,
        mem_inactive_file: 10 << 20,
        mem_limit: 100 << 20,
        pids: 3,
        ..raw_cpu(250_000_000, 2, 0)
    };
    assert!(t.push("abc", "web", first, 0).is_none());
    // Engine read 2 s later; local arrival 7 s later must not matter.
    let second = RawStats {
        read_ns: Some(12_000_000_000),
        net_rx: 5_000,
        net_tx: 2_000,
        blk_read: 8192,
        blk_write: 4096 + 2048,
        pids: 4,
        ..first
    };
    let s = t.push("abc", "web", second, 7_000).unwrap();
    assert_eq!(s.id, "abc");
    assert_eq!(s.name, "web");
    assert_eq!(s.ts_ms, 12_000);
    assert!((s.cpu_percent - 25.0).abs() < 1e-9);
    assert_eq!(s.mem_bytes, 40 << 20);
    assert_eq!(s.mem_limit_bytes, 100 << 20);
    assert!((s.mem_percent - 40.0).abs() < 1e-9);
    assert_eq!(s.net_rx_bps, 2000.0);
    assert_eq!(s.net_tx_bps, 0.0);
    assert_eq!(s.blk_read_bps, 4096.0);
    assert_eq!(s.blk_write_bps, 1024.0);
    assert_eq!(s.pids, 4);
}

#[test]
fn tracker_falls_back_to_local_clock_without_engine_timestamps() {
    let mut t = RateTracker::new();
    let a = RawStats {
        net_rx: 0,
        ..RawStats::default()
    };
    let b = RawStats {
        net_rx: 3000,
        ..RawStats::default()
    };
    assert!(t.push("x", "x", a, 1_000).is_none());
    let s = t.push("x", "x", b, 2_500).unwrap();
    assert_eq!(s.net_rx_bps, 2000.0);
    assert_eq!(s.ts_ms, 2_500);
}

#[test]
fn rfc3339_parses_engine_timestamps() {
    assert_eq!(parse_rfc3339_ns("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        parse_rfc3339_ns("2026-11-27T00:01:02.123456789Z"),
        Some(1_795_737_662_123_456_789)
    );
    assert_eq!(
        parse_rfc3339_ns("2026-11-27T01:01:02.5+01:00"),
        Some(1_795_737_662_500_000_000)
    );
    assert_eq!(parse_rfc3339_ns("0001-01-01T00:00:00Z"), None);
    assert_eq!(parse_rfc3339_ns("yesterday"), None);
    assert_eq!(parse_rfc3339_ns("2026-11-27T00:01:02.Z"), None);
    assert_eq!(
        parse_rfc3339_ns("2026-11-27t00:01:02z"),
        Some(1_795_737_662_000_000_000)
    );
    assert_eq!(parse_rfc3339_ns("1969-12-31T23:59:59Z"), None);
}

#[test]
fn ring_is_bounded_and_keeps_the_newest() {
    let mut r = history::Ring::new(3);
    for i in 0..10 {
        r.push(i);
    }
    assert_eq!(r.len(), 3);
    assert_eq!(r.to_vec(), vec![7, 8, 9]);
    assert_eq!(r.capacity(), 3);
}

#[test]
fn history_stays_within_capacity_per_container_and_drops_removed() {
    const { assert!(HISTORY_CAPACITY >= 900, "at least 15 minutes at 1 sample/s") };
    let mut h = History::new();
    let mut s = StatsSample {
        id: "a".into(),
        name: "a".into(),
        ..StatsSample::default()
    };
    for i in 0..(HISTORY_CAPACITY as i64 * 3 + 7) {
        s.ts_ms = i;
        h.push(&s);
    }
    s.id = "b".into();
    h.push(&s);
    assert_eq!(h.len_of("a"), HISTORY_CAPACITY);
    assert_eq!(h.len_of("b"), 1);
    let pts = h.points("a");
    assert_eq!(pts.first().unwrap().ts_ms, HISTORY_CAPACITY as i64 * 2 + 7);
    assert_eq!(pts.last().unwrap().ts_ms, HISTORY_CAPACITY as i64 * 3 + 6);
    h.remove("a");
    assert_eq!(h.len_of("a"), 0);
    assert_eq!(h.total_points(), 1);
}
