//! Reading a file of a project folder: a cloned repository is untrusted input.
//!
//! Every read of a project file goes through [`read`] (detection's `Project::read`, the
//! write preview and its backups, the compose file, the `.dockerignore`, the template
//! overrides). The rules:
//! - **No symbolic links.** A link is refused, never followed: a `Dockerfile` linked to
//!   `~/.ssh/id_rsa` is neither read, shown in a diff, nor copied into a backup. On unix the
//!   file is opened with `O_NOFOLLOW`; on Windows with `FILE_FLAG_OPEN_REPARSE_POINT`, then
//!   checked. Only the last path component is checked: the folder walk never descends into
//!   linked folders, so the paths Berth reads have none (the user's own folder path may).
//! - **Regular files only.** A FIFO, socket, device or folder is refused. The entry is
//!   checked before opening (so a device is never opened), opened with `O_NONBLOCK` (so a FIFO
//!   swapped in meanwhile cannot block the open) and checked again on the opened handle
//!   (`fstat`), which is what is read.
//! - **Capped.** At most `cap` bytes are read. Larger files are refused with
//!   [`Error::TooLarge`], or truncated for detection, which scans text for hints (see
//!   [`Oversize`]).
//! - A missing file is `Ok(None)`, not an error.

use crate::{Error, Result};
use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::path::Path;

/// Largest number of bytes read from one project file (1 MiB). A Dockerfile, compose file,
/// .dockerignore, manifest or template is far smaller; anything bigger is not one Berth
/// should parse.
pub const READ_CAP: u64 = 1024 * 1024;

/// `1 MiB`, `64 KiB`, `10 bytes`: a cap as the error message shows it.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// What to do with a file over the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// [`Error::TooLarge`].
    Refuse,
    /// Return the first `cap` bytes ([`FileRead::truncated`] says so).
    Truncate,
}

/// Whether the last path component may be a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A link is refused ([`Error::NotARegularFile`]). Every project file.
    Refuse,
    /// A link to a regular file is followed. Only for the user's own configuration (the
    /// template override folder, which dotfile managers commonly fill with links); the
    /// target must still be a regular file under the cap.
    Follow,
}

/// How to read one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    pub cap: u64,
    pub oversize: Oversize,
    pub links: Links,
}

impl ReadOptions {
    /// A project file Berth parses as a whole (compose file, .dockerignore, the files a
    /// preview diffs): no links, refused over [`READ_CAP`].
    pub const PROJECT: ReadOptions = ReadOptions {
        cap: READ_CAP,
        oversize: Oversize::Refuse,
        links: Links::Refuse,
    };
    /// A project file detection scans for hints: no links, truncated at [`READ_CAP`].
    pub const SCAN: ReadOptions = ReadOptions {
        cap: READ_CAP,
        oversize: Oversize::Truncate,
        links: Links::Refuse,
    };
}

/// The bytes read and what the opened handle was.
#[derive(Debug)]
pub struct FileRead {
    pub bytes: Vec<u8>,
    /// The file was longer than the cap and `bytes` holds only its beginning.
    pub truncated: bool,
    /// `fstat` of the handle that was read (a regular file).
    pub meta: Metadata,
}

impl FileRead {
    /// The bytes as text, invalid UTF-8 replaced.
    pub fn text(self) -> String {
        match String::from_utf8(self.bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// What a path is, when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    SymbolicLink,
    Folder,
    Fifo,
    Socket,
    Device,
    Other,
}

impl std::fmt::Display for Special {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Special::SymbolicLink => {
                "a symbolic link: Berth does not follow links in a project (replace the link \
                 with the file itself)"
            }
            Special::Folder => "a folder, not a file",
            Special::Fifo => {
                "a FIFO (named pipe): Berth reads and writes only regular files in a project"
            }
            Special::Socket => "a socket: Berth reads and writes only regular files in a project",
            Special::Device => "a device: Berth reads and writes only regular files in a project",
            Special::Other => "not a regular file: Berth reads and writes only regular files",
        })
    }
}

/// Classify a non-regular file type.
pub fn special(ft: &std::fs::FileType) -> Special {
    if ft.is_symlink() {
        return Special::SymbolicLink;
    }
    if ft.is_dir() {
        return Special::Folder;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Special::Fifo;
        }
        if ft.is_socket() {
            return Special::Socket;
        }
        if ft.is_block_device() || ft.is_char_device() {
            return Special::Device;
        }
    }
    Special::Other
}

/// A project file read with the default rules ([`ReadOptions::PROJECT`]), as text.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    Ok(read(path, ReadOptions::PROJECT)?.map(FileRead::text))
}

/// What is at `path` without following a link: `None` when nothing, the metadata of a
/// regular file, [`Error::NotARegularFile`] for anything else. For a path about to be
/// written: Berth never writes through a link or onto a FIFO or device.
pub fn check_regular(path: &Path) -> Result<Option<Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(Some(m)),
        Ok(m) => Err(Error::NotARegularFile {
            path: path.to_path_buf(),
            what: special(&m.file_type()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Unreadable {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Read `path` by the rules in the module docs. `Ok(None)` when there is no such file.
pub fn read(path: &Path, opts: ReadOptions) -> Result<Option<FileRead>> {
    let unreadable = |e| Error::Unreadable {
        path: path.to_path_buf(),
        source: e,
    };
    // Before opening: never open a device or a FIFO, never follow a link.
    let before = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let ft = before.file_type();
    if !(ft.is_file() || (ft.is_symlink() && opts.links == Links::Follow)) {
        return Err(not_regular(path, special(&ft)));
    }
    if opts.oversize == Oversize::Refuse && ft.is_file() && before.len() > opts.cap {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            cap: opts.cap,
        });
    }
    let file = match open(path, opts.links) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // A link swapped in since the check above (O_NOFOLLOW fails with ELOOP on
            // Linux and macOS, EMLINK on FreeBSD): say so rather than "cannot read".
            if let Ok(m) = std::fs::symlink_metadata(path) {
                if !m.file_type().is_file() && opts.links == Links::Refuse {
                    return Err(not_regular(path, special(&m.file_type())));
                }
            }
            return Err(unreadable(e));
        }
    };
    // What is read is what was opened: check the handle itself.
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.file_type().is_file() {
        return Err(not_regular(path, special(&meta.file_type())));
    }
    if opts.oversize == Oversize::Refuse && meta.len() > opts.cap {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            cap: opts.cap,
        });
    }
    // One byte more than the cap tells "exactly the cap" from "longer" (the file may grow
    // after the fstat).
    let mut bytes = Vec::with_capacity(meta.len().min(opts.cap + 1) as usize);
    file.take(opts.cap + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    let truncated = bytes.len() as u64 > opts.cap;
    if truncated {
        if opts.oversize == Oversize::Refuse {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                cap: opts.cap,
            });
        }
        bytes.truncate(opts.cap as usize);
    }
    Ok(Some(FileRead {
        bytes,
        truncated,
        meta,
    }))
}

fn not_regular(path: &Path, what: Special) -> Error {
    Error::NotARegularFile {
        path: path.to_path_buf(),
        what,
    }
}

#[cfg(unix)]
fn open(path: &Path, links: Links) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading does not wait for a writer (the fstat then
    // refuses it). O_NOCTTY: a terminal device never becomes the controlling terminal.
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

#[cfg(windows)]
fn open(path: &Path, links: Links) -> std::io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    // FILE_FLAG_OPEN_REPARSE_POINT (winbase.h): open a symbolic link or junction itself,
    // not its target; the handle's metadata then shows a link, which `read` refuses.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    let mut o = OpenOptions::new();
    o.read(true);
    if links == Links::Refuse {
        o.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    o.open(path)
}

#[cfg(not(any(unix, windows)))]
fn open(path: &Path, _links: Links) -> std::io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_none_and_regular_is_read() {
        let d = tempfile::tempdir().unwrap();
        assert!(read_text(&d.path().join("nope")).unwrap().is_none());
        std::fs::write(d.path().join("f"), b"hi\xff").unwrap();
        assert_eq!(
            read_text(&d.path().join("f")).unwrap().unwrap(),
            "hi\u{fffd}"
        );
    }

    #[test]
    fn cap_refuses_or_truncates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big");
        std::fs::write(&p, vec![b'x'; 11]).unwrap();
        let opts = |oversize| ReadOptions {
            cap: 10,
            oversize,
            links: Links::Refuse,
        };
        let err = read(&p, opts(Oversize::Refuse)).unwrap_err();
        assert!(matches!(err, Error::TooLarge { cap: 10, .. }), "{err}");
        let r = read(&p, opts(Oversize::Truncate)).unwrap().unwrap();
        assert!(r.truncated);
        assert_eq!(r.bytes.len(), 10);
        std::fs::write(&p, vec![b'x'; 10]).unwrap();
        let r = read(&p, opts(Oversize::Refuse)).unwrap().unwrap();
        assert!(!r.truncated);
    }

    #[test]
    fn folder_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let err = read(d.path(), ReadOptions::PROJECT).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotARegularFile {
                    what: Special::Folder,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_unless_followed_and_then_only_to_files() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("real"), "x").unwrap();
        std::os::unix::fs::symlink("real", d.path().join("link")).unwrap();
        std::os::unix::fs::symlink("/dev/null", d.path().join("dev")).unwrap();
        let err = read(&d.path().join("link"), ReadOptions::PROJECT).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("link is a symbolic link: Berth does not follow links in a project (replace the link with the file itself)"),
            "{err}"
        );
        assert_eq!(err.kind(), crate::ErrorKind::Unreadable);
        let follow = ReadOptions {
            links: Links::Follow,
            ..ReadOptions::PROJECT
        };
        assert_eq!(
            read(&d.path().join("link"), follow)
                .unwrap()
                .unwrap()
                .text(),
            "x"
        );
        let err = read(&d.path().join("dev"), follow).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotARegularFile {
                    what: Special::Device,
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            check_regular(&d.path().join("link")),
            Err(Error::NotARegularFile {
                what: Special::SymbolicLink,
                ..
            })
        ));
        assert!(check_regular(&d.path().join("real")).unwrap().is_some());
        assert!(check_regular(&d.path().join("none")).unwrap().is_none());
    }
}
