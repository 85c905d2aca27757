//! Line numbers for evidence: where a key sits in a block-style YAML file (pure). The compose
//! model keeps values, not positions; the assessment's evidence names `compose.yaml:12`.

/// The 1-based line of the key at `path` (`["services", "app", "deploy", "replicas"]`) in the
/// block-style YAML `text`; the deepest key found when the rest is written in flow style
/// (`deploy: {replicas: 3}`) or missing; None when not even the first key is there.
pub fn line_of(text: &str, path: &[&str]) -> Option<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found: Option<usize> = None;
    // The block being searched: lines after `start`, more indented than `indent`.
    let (mut start, mut indent) = (0usize, -1i64);
    for key in path {
        let mut hit = None;
        // The indentation of the block's own keys (deeper lines belong to their values).
        let mut child = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let ind = (line.len() - trimmed.len()) as i64;
            if ind <= indent {
                break;
            }
            let child = *child.get_or_insert(ind);
            if ind == child && key_of(trimmed) == Some(key) {
                hit = Some((i, ind));
                break;
            }
        }
        let Some((i, ind)) = hit else { break };
        found = Some(i);
        start = i + 1;
        indent = ind;
    }
    found.map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX))
}

/// The key of a `key: value` / `"key": value` / `- key: value` line.
fn key_of(line: &str) -> Option<&str> {
    let line = line.strip_prefix("- ").unwrap_or(line);
    let (k, _) = line.split_once(':')?;
    let k = k.trim();
    let k = k
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| k.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(k);
    Some(k)
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_containing(text: &str, needle: &str) -> Option<u32> {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = "name: shop\nservices:\n  app:\n    build: .\n    deploy:\n      replicas: 3\n  \"db\":\n    image: postgres\n    deploy: {replicas: 1}\nvolumes:\n  data: {}\n";

    #[test]
    fn keys_are_found_by_path() {
        assert_eq!(line_of(TEXT, &["services"]), Some(2));
        assert_eq!(line_of(TEXT, &["services", "app"]), Some(3));
        assert_eq!(
            line_of(TEXT, &["services", "app", "deploy", "replicas"]),
            Some(6)
        );
        assert_eq!(line_of(TEXT, &["services", "db", "image"]), Some(8));
        // Flow style: the deepest key written in block style.
        assert_eq!(
            line_of(TEXT, &["services", "db", "deploy", "replicas"]),
            Some(9)
        );
        // A key of another block is not found inside this one.
        assert_eq!(line_of(TEXT, &["services", "app", "image"]), Some(3));
        assert_eq!(line_of(TEXT, &["volumes", "data"]), Some(11));
        assert_eq!(line_of(TEXT, &["secrets"]), None);
        assert_eq!(line_containing(TEXT, "postgres"), Some(8));
    }
}
