//! Reads of project files a compose file names (Berth's own .dockerignore lists
//! `compose.yaml` and `Dockerfile`, so [`crate::project::Project`] leaves them out): a path
//! inside the folder with no symbolic link on the way (a compose file may name
//! `./secrets/x` where `secrets` links to `~/.ssh`), then [`crate::fsread`]'s rules for the
//! file itself (regular, at most 1 MiB, never through a link).

use crate::fsread;
use crate::{Error, Result};
use std::path::{Component, Path};

/// The text of `rel` under `root` (invalid UTF-8 replaced), None when there is no such
/// regular file. Refused: paths leaving the folder, symbolic links.
pub fn read_bounded(root: &Path, rel: &str) -> Result<Option<String>> {
    let rel_path = Path::new(rel);
    let escapes = rel_path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(Error::InvalidInput(format!(
            "{rel}: only files inside the project folder are read"
        )));
    }
    let path = root.join(rel_path);
    // No link anywhere on the way (the folder itself may be one).
    let mut at = root.to_path_buf();
    for c in rel_path.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::InvalidInput(format!(
                    "{rel}: a symbolic link is not followed"
                )))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&at, e)),
        }
    }
    let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
    if !meta.is_file() {
        return Ok(None);
    }
    fsread::read_text(&path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_only_and_never_through_links() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.txt"), "hi").unwrap();
        assert_eq!(
            read_bounded(d.path(), "a.txt").unwrap().as_deref(),
            Some("hi")
        );
        assert_eq!(
            read_bounded(d.path(), "./a.txt").unwrap().as_deref(),
            Some("hi")
        );
        assert_eq!(read_bounded(d.path(), "missing").unwrap(), None);
        assert!(read_bounded(d.path(), "../a.txt").is_err());
        assert!(read_bounded(d.path(), "/etc/passwd").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", d.path().join("link")).unwrap();
            assert!(read_bounded(d.path(), "link").is_err());
        }
    }
}
