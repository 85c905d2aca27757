//! The bench's private workspace and the processes it runs on the host.
//!
//! The user's folder is never written: [`Workspace::copy`] copies it (the files the build
//! context would carry: its .dockerignore, else Berth's; bounded; links are not copied,
//! never followed) into a fresh temporary folder, where dependencies are installed and the
//! app runs. [`Proc`] is one process and everything it starts (its tree): its output is
//! kept (the last lines), and the whole tree ends when it is stopped or dropped.

use super::proc;
use crate::docker::context::{plan_context_with, Secrets};
use crate::fsread::{self, Links, Oversize, ReadOptions};
use crate::{Error, Result};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The copy's limit: files.
pub const COPY_MAX_FILES: usize = 50_000;
/// The copy's limit: bytes.
pub const COPY_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Lines of a process's output kept for a failure's report.
pub const TAIL_LINES: usize = 20;
/// How long a stopped process tree gets to end before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A private temporary folder: the project's copy (`app`) and a tools folder beside it.
/// Removed when dropped.
pub struct Workspace {
    dir: tempfile::TempDir,
    /// The copy, named like the project folder (so its engine names read like the project's).
    pub app: PathBuf,
    pub tools: PathBuf,
    /// Files copied.
    pub files: usize,
    /// Symbolic links left out.
    pub links_skipped: Vec<String>,
}

impl Workspace {
    /// Copy `root` (see the module docs); `ignore` is the .dockerignore to use when the folder
    /// has none (Berth's, for its plan). Blocking.
    pub fn copy(root: &Path, ignore: Option<&str>, secrets: Secrets) -> Result<Workspace> {
        let plan = plan_context_with(root, "Dockerfile", &[], ignore, secrets)?;
        if plan.files > COPY_MAX_FILES || plan.bytes > COPY_MAX_BYTES {
            return Err(Error::InvalidInput(format!(
                "{} has {} files ({} bytes) after its .dockerignore: the bench copies at most {} \
                 files and {}; list what the app does not need in .dockerignore",
                root.display(),
                plan.files,
                plan.bytes,
                COPY_MAX_FILES,
                fsread::human_size(COPY_MAX_BYTES)
            )));
        }
        let dir = tempfile::Builder::new()
            .prefix("berth-bench-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let base = dir
            .path()
            .canonicalize()
            .map_err(|e| Error::io(dir.path(), e))?;
        let name = root
            .file_name()
            .map(|n| crate::plan::sanitize_name(&n.to_string_lossy()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "app".into());
        let app = base.join("src").join(name);
        let tools = base.join("tools");
        for d in [&app, &tools] {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        let mut ws = Workspace {
            dir,
            app,
            tools,
            files: 0,
            links_skipped: Vec::new(),
        };
        let opts = ReadOptions {
            cap: COPY_MAX_BYTES,
            oversize: Oversize::Refuse,
            links: Links::Refuse,
        };
        for (rel, path, is_dir) in plan.paths() {
            let to = ws.app.join(rel);
            if is_dir {
                std::fs::create_dir_all(&to).map_err(|e| Error::io(&to, e))?;
                continue;
            }
            let read = match fsread::read(path, opts) {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(Error::NotARegularFile { .. }) => {
                    ws.links_skipped.push(rel.to_string());
                    continue;
                }
                Err(e) => return Err(e),
            };
            std::fs::write(&to, &read.bytes).map_err(|e| Error::io(&to, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = read.meta.permissions().mode() & 0o755;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode | 0o600))
                    .map_err(|e| Error::io(&to, e))?;
            }
            ws.files += 1;
        }
        Ok(ws)
    }

    /// Remove the folder now (dropping does it too, silently).
    pub fn remove(self) -> Result<()> {
        let path = self.dir.path().to_path_buf();
        self.dir.close().map_err(|e| Error::io(path, e))
    }
}

/// `program` on the `PATH`-style list `path` (absolute or `./` paths as they are); None when
/// nowhere.
pub fn which(program: &str, path: &std::ffi::OsStr, cwd: &Path) -> Option<PathBuf> {
    let runnable = |p: &Path| {
        let Ok(m) = std::fs::metadata(p) else {
            return false;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        }
        #[cfg(not(unix))]
        {
            m.is_file()
        }
    };
    if program.contains('/') {
        let p = cwd.join(program);
        return runnable(&p).then_some(p);
    }
    std::env::split_paths(path).find_map(|dir| {
        let p = dir.join(program);
        if runnable(&p) {
            return Some(p);
        }
        #[cfg(windows)]
        for ext in ["exe", "cmd", "bat"] {
            let p = dir.join(format!("{program}.{ext}"));
            if runnable(&p) {
                return Some(p);
            }
        }
        None
    })
}

/// `dirs` first, then the host's `PATH`.
pub fn path_with(dirs: &[String]) -> std::ffi::OsString {
    let host = std::env::var_os("PATH").unwrap_or_default();
    let mut all: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    all.extend(std::env::split_paths(&host));
    std::env::join_paths(all).unwrap_or(host)
}

/// One process tree with its output's last lines.
pub struct Proc {
    child: Child,
    pid: u32,
    tail: Arc<Mutex<VecDeque<String>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Proc {
    /// Start `argv` in `cwd` with `env` added to the host's (a `PATH` there is the one the
    /// program is looked up on). With `lines`, every output line is sent there too.
    pub fn spawn(
        argv: &[String],
        cwd: &Path,
        env: &BTreeMap<String, String>,
        lines: Option<mpsc::UnboundedSender<String>>,
    ) -> std::result::Result<Proc, String> {
        let (program, args) = argv.split_first().ok_or("an empty command")?;
        let path = env
            .get("PATH")
            .map(std::ffi::OsString::from)
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        let exe = which(program, &path, cwd)
            .ok_or_else(|| format!("{program} is not installed (not found on PATH)"))?;
        let mut cmd = Command::new(&exe);
        cmd.args(args)
            .current_dir(cwd)
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: a Ctrl-C in the terminal reaches Berth, which ends the tree.
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let pid = child.id().unwrap_or(0);
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        if let Some(out) = child.stdout.take() {
            follow(out, tail.clone(), lines.clone());
        }
        if let Some(err) = child.stderr.take() {
            follow(err, tail.clone(), lines);
        }
        Ok(Proc { child, pid, tail })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The last lines of its output.
    pub fn tail(&self) -> Vec<String> {
        lock(&self.tail).iter().cloned().collect()
    }

    /// Why it is gone, when it exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the app exited ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("the app cannot be waited for: {e}")),
        }
    }

    /// Wait for it to end: Ok on success, else what failed; `cancel` or `limit` end the tree.
    pub async fn finish(
        &mut self,
        what: &str,
        limit: Duration,
        cancel: &CancellationToken,
    ) -> Result<std::result::Result<(), String>> {
        let status = tokio::select! {
            s = tokio::time::timeout(limit, self.child.wait()) => s,
            () = cancel.cancelled() => {
                self.stop().await;
                return Err(Error::Cancelled);
            }
        };
        Ok(match status {
            Ok(Ok(s)) if s.success() => Ok(()),
            Ok(Ok(s)) => Err(format!("`{what}` failed ({s})")),
            Ok(Err(e)) => Err(format!("`{what}`: {e}")),
            Err(_) => {
                self.stop().await;
                Err(format!(
                    "`{what}` did not finish within {} s",
                    limit.as_secs()
                ))
            }
        })
    }

    /// End the tree: a TERM to every process in it, then a KILL to what is left after
    /// [`STOP_GRACE`].
    pub async fn stop(&mut self) {
        let pids = proc::tree(self.pid);
        proc::signal_all(&pids, sysinfo::Signal::Term);
        if tokio::time::timeout(STOP_GRACE, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
        }
        proc::signal_all(&pids, sysinfo::Signal::Kill);
        let _ = self.child.wait().await;
    }
}

impl Drop for Proc {
    /// A tree still running (the bench was dropped mid-way) is killed.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            proc::signal_all(&proc::tree(self.pid), sysinfo::Signal::Kill);
        }
    }
}

fn follow(
    stream: impl AsyncRead + Unpin + Send + 'static,
    tail: Arc<Mutex<VecDeque<String>>>,
    lines: Option<mpsc::UnboundedSender<String>>,
) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            {
                let mut t = lock(&tail);
                if t.len() == TAIL_LINES {
                    t.pop_front();
                }
                t.push_back(line.clone());
            }
            if let Some(tx) = &lines {
                let _ = tx.send(line);
            }
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The copy honours .dockerignore, leaves links out, and lands in a fresh folder.
    #[cfg(unix)]
    #[test]
    fn the_copy_is_filtered_and_links_are_not_copied() {
        let src = tempfile::tempdir().unwrap();
        let root = src.path().join("My App");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
        std::fs::write(root.join("app.py"), "print(1)").unwrap();
        std::fs::write(root.join("lib/util.py"), "x = 1").unwrap();
        std::fs::write(root.join("node_modules/x/big.js"), "junk").unwrap();
        std::fs::write(root.join(".dockerignore"), "node_modules\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).unwrap();
        let ws = Workspace::copy(&root, None, Secrets::LeaveOut).unwrap();
        assert!(ws.app.ends_with("src/my-app"), "{}", ws.app.display());
        assert_eq!(
            std::fs::read_to_string(ws.app.join("lib/util.py")).unwrap(),
            "x = 1"
        );
        assert!(ws.app.join("app.py").is_file());
        assert!(!ws.app.join("node_modules").exists());
        assert!(std::fs::symlink_metadata(ws.app.join("passwd")).is_err());
        assert_eq!(ws.links_skipped, vec!["passwd".to_string()]);
        assert_eq!(ws.files, 3); // app.py, lib/util.py, .dockerignore
        let base = ws.app.parent().unwrap().parent().unwrap().to_path_buf();
        ws.remove().unwrap();
        assert!(!base.exists());
    }

    #[test]
    fn programs_are_found_on_the_given_path() {
        let path = std::env::var_os("PATH").unwrap();
        assert!(which("sh", &path, Path::new("/")).is_some());
        assert!(which("no-such-program-berth", &path, Path::new("/")).is_none());
        let p = path_with(&["/first".into()]);
        assert_eq!(
            std::env::split_paths(&p).next().unwrap(),
            PathBuf::from("/first")
        );
    }

    /// A real process: its output lines are kept, its exit is reported, a failure says so.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_step_is_run_and_its_failure_reported() {
        let cwd = tempfile::tempdir().unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let argv: Vec<String> = ["sh", "-c", "echo one; echo two >&2; exit 3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut p = Proc::spawn(&argv, cwd.path(), &BTreeMap::new(), Some(tx)).unwrap();
        let r = p
            .finish("sh", Duration::from_secs(60), &CancellationToken::new())
            .await
            .unwrap();
        assert!(r.unwrap_err().contains("`sh` failed"));
        let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
        got.sort();
        assert_eq!(got, vec!["one".to_string(), "two".to_string()]);
        let missing = Proc::spawn(
            &["no-such-program-berth".into()],
            cwd.path(),
            &BTreeMap::new(),
            None,
        );
        assert!(missing.err().unwrap().contains("not installed"));
    }
}
