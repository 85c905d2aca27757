//! The bench's arithmetic (pure): latency percentiles, throughput, and the container's
//! overhead over the native run as ratios.

use serde::Serialize;
use ts_rs::TS;

/// Request latency over the measured requests, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
#[ts(export, rename = "BenchLatency")]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
}

/// The `p`th percentile (0 < p <= 100) of ascending `sorted` samples by the nearest-rank
/// method: the smallest sample with at least p% of the samples at or below it. So p50 <=
/// p95 <= p99 always, and each is a latency that was measured. None for no samples.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The latency summary of `samples` (milliseconds, any order); None for no samples.
pub fn latency(samples: &[f64]) -> Option<Latency> {
    let mut s: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    Some(Latency {
        p50_ms: percentile(&s, 50.0)?,
        p95_ms: percentile(&s, 95.0)?,
        p99_ms: percentile(&s, 99.0)?,
        mean_ms: s.iter().sum::<f64>() / s.len() as f64,
        max_ms: *s.last()?,
    })
}

/// Answered requests per second over `elapsed_ms` (0 when no time passed).
pub fn throughput(answered: u32, elapsed_ms: f64) -> f64 {
    if elapsed_ms <= 0.0 {
        return 0.0;
    }
    f64::from(answered) * 1000.0 / elapsed_ms
}

/// The container's figures over the native ones: above 1 means the container takes longer,
/// answers slower or uses more memory; for throughput, below 1 means fewer requests a second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
#[ts(export, rename = "BenchRatios")]
pub struct Ratios {
    pub startup: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub throughput: Option<f64>,
    /// The container's memory (the engine's figure) over the native process tree's (PSS on
    /// Linux, else RSS).
    pub memory: Option<f64>,
}

/// `container / native`, when both are positive numbers.
pub fn ratio(container: f64, native: f64) -> Option<f64> {
    (container.is_finite() && native.is_finite() && container >= 0.0 && native > 0.0)
        .then(|| container / native)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&s, 50.0), Some(50.0));
        assert_eq!(percentile(&s, 95.0), Some(95.0));
        assert_eq!(percentile(&s, 99.0), Some(99.0));
        assert_eq!(percentile(&s, 100.0), Some(100.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        // Ten samples: p95 and p99 are the largest; p50 the fifth.
        let s: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&s, 50.0), Some(5.0));
        assert_eq!(percentile(&s, 95.0), Some(10.0));
        assert_eq!(percentile(&s, 99.0), Some(10.0));
    }

    #[test]
    fn latency_sorts_and_summarises() {
        let l = latency(&[4.0, 1.0, 3.0, 2.0, f64::NAN]).unwrap();
        assert_eq!(l.p50_ms, 2.0);
        assert_eq!(l.p95_ms, 4.0);
        assert_eq!(l.p99_ms, 4.0);
        assert_eq!(l.mean_ms, 2.5);
        assert_eq!(l.max_ms, 4.0);
        assert!(l.p50_ms <= l.p95_ms && l.p95_ms <= l.p99_ms);
        assert_eq!(latency(&[]), None);
    }

    #[test]
    fn throughput_and_ratios() {
        assert_eq!(throughput(200, 1000.0), 200.0);
        assert_eq!(throughput(50, 2000.0), 25.0);
        assert_eq!(throughput(5, 0.0), 0.0);
        assert_eq!(ratio(3.0, 2.0), Some(1.5));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
    }
}
