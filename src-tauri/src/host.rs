//! The host's capacity, for the containers overview (all containers against the machine).

use berth_core::{Error, Result};
use serde::Serialize;
use ts_rs::TS;

/// What the machine offers: CPU percent is on the `docker stats` scale (100 = one core), so
/// the containers' CPU sum is compared with `cores × 100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct HostCapacity {
    /// Logical CPUs.
    pub cores: u32,
    #[ts(type = "number")]
    pub mem_total_bytes: u64,
    #[ts(type = "number")]
    pub mem_used_bytes: u64,
}

/// Read the host's cores and memory now.
pub fn host_capacity() -> Result<HostCapacity> {
    let mut sys = sysinfo::System::new().map_err(|e| Error::Io {
        path: "/proc/meminfo".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    sys.refresh_memory();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    Ok(HostCapacity {
        cores,
        mem_total_bytes: sys.total_memory(),
        mem_used_bytes: sys.used_memory(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_host_has_cores_and_memory_in_use() {
        let h = host_capacity().unwrap();
        assert!(h.cores >= 1);
        assert!(h.mem_total_bytes > 0);
        assert!(h.mem_used_bytes > 0 && h.mem_used_bytes <= h.mem_total_bytes);
    }
}
