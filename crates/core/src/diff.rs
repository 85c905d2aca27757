//! The side-by-side diff the app shows for a file Berth would replace: existing lines on the
//! left, generated on the right, changed runs paired row by row (pure). Myers' algorithm
//! (`similar`), so a large file diffs in O((N+M)·D), not the O(N·M) of a table LCS.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use ts_rs::TS;

/// One row of a side-by-side diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DiffRow {
    /// The same line on both sides.
    pub same: bool,
    /// The existing line (null: nothing on this side of a changed row).
    pub left: Option<String>,
    /// The generated line.
    pub right: Option<String>,
    /// 1-based line numbers.
    pub left_no: Option<u32>,
    pub right_no: Option<u32>,
}

fn no(i: Option<usize>) -> Option<u32> {
    i.and_then(|i| u32::try_from(i + 1).ok())
}

/// Rows pairing the lines of `old` and `new`: equal lines side by side, and within each run
/// of changes the removed lines next to the added ones.
pub fn side_by_side(old: &str, new: &str) -> Vec<DiffRow> {
    let diff = TextDiff::from_lines(old, new);
    let mut rows = Vec::new();
    let mut dels: Vec<(Option<u32>, String)> = Vec::new();
    let mut adds: Vec<(Option<u32>, String)> = Vec::new();
    let flush = |rows: &mut Vec<DiffRow>,
                 dels: &mut Vec<(Option<u32>, String)>,
                 adds: &mut Vec<(Option<u32>, String)>| {
        let n = dels.len().max(adds.len());
        let mut d = dels.drain(..);
        let mut a = adds.drain(..);
        for _ in 0..n {
            let (ln, l) = d.next().map_or((None, None), |(n, t)| (n, Some(t)));
            let (rn, r) = a.next().map_or((None, None), |(n, t)| (n, Some(t)));
            rows.push(DiffRow {
                same: false,
                left: l,
                right: r,
                left_no: ln,
                right_no: rn,
            });
        }
    };
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches(['\n', '\r']).to_string();
        match change.tag() {
            ChangeTag::Equal => {
                flush(&mut rows, &mut dels, &mut adds);
                rows.push(DiffRow {
                    same: true,
                    left: Some(text.clone()),
                    right: Some(text),
                    left_no: no(change.old_index()),
                    right_no: no(change.new_index()),
                });
            }
            ChangeTag::Delete => dels.push((no(change.old_index()), text)),
            ChangeTag::Insert => adds.push((no(change.new_index()), text)),
        }
    }
    flush(&mut rows, &mut dels, &mut adds);
    rows
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn kinds(rows: &[DiffRow]) -> Vec<bool> {
        rows.iter().map(|r| r.same).collect()
    }

    #[test]
    fn identical_files_pair_line_by_line() {
        let rows = side_by_side("a\nb\n", "a\nb\n");
        assert_eq!(kinds(&rows), vec![true, true]);
        assert_eq!(rows[1].left_no, Some(2));
    }

    #[test]
    fn a_changed_line_sits_next_to_its_replacement() {
        let rows = side_by_side(
            "FROM python:3.9\nUSER root\nCMD x\n",
            "FROM python:3.12-slim\nUSER 10001\nCMD x\n",
        );
        assert_eq!(kinds(&rows), vec![false, false, true]);
        assert_eq!(rows[0].left.as_deref(), Some("FROM python:3.9"));
        assert_eq!(rows[0].right.as_deref(), Some("FROM python:3.12-slim"));
        assert_eq!((rows[1].left_no, rows[1].right_no), (Some(2), Some(2)));
    }

    #[test]
    fn pure_additions_and_deletions_have_an_empty_side() {
        let rows = side_by_side("a\nc\n", "a\nb\nc\nd\n");
        let changed: Vec<_> = rows.iter().filter(|r| !r.same).collect();
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[0].left, None);
        assert_eq!(changed[0].right.as_deref(), Some("b"));
        assert_eq!(changed[0].right_no, Some(2));
        let gone = side_by_side("x\ny\n", "y\n");
        assert_eq!(gone[0].left.as_deref(), Some("x"));
        assert_eq!(gone[0].right, None);
    }

    #[test]
    fn a_large_file_diffs_without_a_quadratic_table() {
        // 20,000 lines with one change: a table LCS would need 400 million cells.
        let old: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let new = old.replacen("line 10000\n", "line ten thousand\n", 1);
        let rows = side_by_side(&old, &new);
        assert_eq!(rows.iter().filter(|r| !r.same).count(), 1);
        assert_eq!(rows.len(), 20_000);
    }
}
