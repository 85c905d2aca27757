//! The native app's process tree (the command and everything it started: `npm start`'s
//! shell and node, gunicorn's master and workers): its memory, and ending it. The tree is
//! read through sysinfo (any OS); on Linux each process's PSS (its share of the pages it
//! shares with others) comes from `/proc/<pid>/smaps_rollup`.

use serde::Serialize;
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, Signal, System};
use ts_rs::TS;

/// The memory of a process tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "ProcessTreeMemory")]
pub struct TreeMemory {
    pub processes: u32,
    /// Resident set size, summed (pages shared between the processes count once per process).
    #[ts(type = "number")]
    pub rss_bytes: u64,
    /// Proportional set size, summed (Linux only): shared pages split between their users.
    #[ts(type = "number | null")]
    pub pss_bytes: Option<u64>,
}

/// `root` and its descendants, from (pid, parent) pairs; root first (pure).
pub fn descendants(root: u32, pairs: &[(u32, Option<u32>)]) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for (pid, parent) in pairs {
            if *parent == Some(p) && !out.contains(pid) {
                out.push(*pid);
            }
        }
        i += 1;
    }
    out
}

/// A `Name:   123 kB` field of /proc's status or smaps files, in bytes (pure).
pub fn kb_field(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

fn system() -> Option<System> {
    let mut sys = System::new().ok()?;
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing().without_tasks().with_memory(),
    );
    Some(sys)
}

/// The live tree under `root` (processes, not threads).
fn tree_in(sys: &System, root: u32) -> Vec<u32> {
    let pairs: Vec<(u32, Option<u32>)> = sys
        .processes()
        .values()
        .filter(|p| p.thread_kind().is_none())
        .map(|p| (p.pid().as_u32(), p.parent().map(|q| q.as_u32())))
        .collect();
    if !pairs.iter().any(|(p, _)| *p == root) {
        return Vec::new();
    }
    descendants(root, &pairs)
}

/// The pids of the tree under `root` now (empty when `root` is gone).
pub fn tree(root: u32) -> Vec<u32> {
    system().map(|s| tree_in(&s, root)).unwrap_or_default()
}

/// The tree's memory now; None when `root` is gone.
pub fn memory(root: u32) -> Option<TreeMemory> {
    let sys = system()?;
    let pids = tree_in(&sys, root);
    if pids.is_empty() {
        return None;
    }
    let rss = pids
        .iter()
        .filter_map(|p| sys.process(Pid::from_u32(*p)))
        .map(|p| p.memory())
        .sum();
    let pss: Option<Vec<u64>> = pids.iter().map(|p| pss(*p)).collect();
    Some(TreeMemory {
        processes: u32::try_from(pids.len()).unwrap_or(u32::MAX),
        rss_bytes: rss,
        pss_bytes: pss.map(|v| v.iter().sum()),
    })
}

#[cfg(target_os = "linux")]
fn pss(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    kb_field(&text, "Pss")
}

#[cfg(not(target_os = "linux"))]
fn pss(_pid: u32) -> Option<u64> {
    None
}

/// Send `signal` to each of `pids` that still runs (the list taken before the first signal:
/// a process whose parent ended is re-parented and would drop out of a fresh tree).
pub fn signal_all(pids: &[u32], signal: Signal) {
    let Ok(mut sys) = System::new() else { return };
    let list: Vec<Pid> = pids.iter().map(|p| Pid::from_u32(*p)).collect();
    sys.refresh_processes_specifics(
        ProcessesToUpdate::Some(&list),
        true,
        ProcessRefreshKind::nothing().without_tasks(),
    );
    for pid in list {
        if let Some(p) = sys.process(pid) {
            let _ = p.kill_with(signal);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_the_root_and_everything_below_it() {
        let pairs = [
            (1, None),
            (10, Some(1)),
            (11, Some(10)),
            (12, Some(11)),
            (13, Some(10)),
            (20, Some(1)),
        ];
        assert_eq!(descendants(10, &pairs), vec![10, 11, 13, 12]);
        assert_eq!(descendants(20, &pairs), vec![20]);
    }

    #[test]
    fn proc_fields_parse_in_bytes() {
        let rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:    20480 kB\nPss:    12345 kB\nPss_Anon: 100 kB\n";
        assert_eq!(kb_field(rollup, "Pss"), Some(12345 * 1024));
        assert_eq!(kb_field(rollup, "Rss"), Some(20480 * 1024));
        assert_eq!(kb_field(rollup, "Swap"), None);
    }

    /// A real tree: a shell with two children; its memory is read and it ends on a signal.
    #[cfg(unix)]
    #[test]
    fn a_real_tree_is_measured_and_ended() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 60 & sleep 60 & wait"])
            .spawn()
            .unwrap();
        let root = child.id();
        let mut pids = tree(root);
        for _ in 0..200 {
            if pids.len() >= 3 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            pids = tree(root);
        }
        assert_eq!(pids.len(), 3, "{pids:?}");
        let m = memory(root).unwrap();
        assert_eq!(m.processes, 3);
        assert!(m.rss_bytes > 0);
        #[cfg(target_os = "linux")]
        assert!(m.pss_bytes.unwrap() > 0);
        signal_all(&pids, Signal::Kill);
        let status = child.wait().unwrap();
        assert!(!status.success(), "{status}");
    }
}
