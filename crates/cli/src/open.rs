//! `berth open [PATH] [--view VIEW]`: open a folder in the desktop app. It starts
//! `berth-app` with the folder (absolute); when Berth already runs, that second instance
//! hands the folder to the running window and exits (the app's single-instance plugin), so
//! the folder opens there and the window comes forward.
//!
//! The app is found, in order: `BERTH_APP` (a path), next to this `berth` (the installed
//! bundles put both in one folder: /usr/bin, Berth.app/Contents/MacOS, the Windows install
//! folder), then `berth-app` on PATH.

use berth_core::{Error, Result};
use clap::Args;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Args)]
pub struct OpenArgs {
    /// The project folder (default: none, just bring Berth forward)
    path: Option<PathBuf>,
    /// Show this view: project or containers
    #[arg(long, value_parser = ["project", "containers"])]
    view: Option<String>,
}

const APP_NAME: &str = if cfg!(windows) {
    "berth-app.exe"
} else {
    "berth-app"
};

pub fn run(args: OpenArgs) -> Result<()> {
    let mut argv: Vec<OsString> = Vec::new();
    if let Some(view) = &args.view {
        argv.push("--view".into());
        argv.push(view.into());
    }
    if let Some(path) = &args.path {
        argv.push(folder(path)?.into_os_string());
    }
    let app = find_app(
        std::env::var_os("BERTH_APP").map(PathBuf::from),
        std::env::current_exe().ok(),
        std::env::var_os("PATH"),
    )
    .ok_or_else(|| Error::Io {
        path: APP_NAME.into(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the desktop app is neither next to berth nor on PATH: install Berth's bundle, \
             or set BERTH_APP to its path",
        ),
    })?;
    spawn_detached(&app, &argv)?;
    match &args.path {
        Some(p) => println!("Opening {} in Berth", p.display()),
        None => println!("Opening Berth"),
    }
    Ok(())
}

/// The folder, absolute and checked (a missing folder is an error here, not a silent
/// nothing in the app).
fn folder(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !abs.exists() {
        return Err(Error::NotFound(abs));
    }
    if !abs.is_dir() {
        return Err(Error::NotADirectory(abs));
    }
    Ok(abs)
}

/// Where the app is: `explicit`, else next to `this_exe` (symlinks resolved: a `berth` linked
/// into ~/.local/bin still finds its bundle), else on `path`.
pub fn find_app(
    explicit: Option<PathBuf>,
    this_exe: Option<PathBuf>,
    path: Option<OsString>,
) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p);
    }
    let beside = this_exe
        .and_then(|exe| exe.canonicalize().ok())
        .and_then(|exe| exe.parent().map(|dir| dir.join(APP_NAME)))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::split_paths(&path?)
            .map(|dir| dir.join(APP_NAME))
            .find(|p| p.is_file())
    })
}

/// Start the app without waiting for it, out of this terminal's job control (closing the
/// terminal does not end Berth), its output discarded.
fn spawn_detached(app: &Path, argv: &[OsString]) -> Result<()> {
    let mut cmd = Command::new(app);
    cmd.args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn().map(drop).map_err(|e| Error::Io {
        path: app.to_path_buf(),
        source: e,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_app_is_found_explicitly_beside_berth_or_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let other = dir.path().join("other");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let berth = bin.join("berth");
        std::fs::write(&berth, "").unwrap();
        let on_path = other.join(APP_NAME);
        std::fs::write(&on_path, "").unwrap();
        let path = std::env::join_paths([&other]).ok();

        assert_eq!(
            find_app(Some("/x/app".into()), Some(berth.clone()), path.clone()),
            Some(PathBuf::from("/x/app"))
        );
        assert_eq!(
            find_app(None, Some(berth.clone()), path.clone()),
            Some(on_path.clone()),
            "nothing beside berth: PATH"
        );
        let beside = bin.join(APP_NAME);
        std::fs::write(&beside, "").unwrap();
        assert_eq!(
            find_app(None, Some(berth.clone()), path.clone()),
            Some(beside.canonicalize().unwrap())
        );
        assert_eq!(find_app(None, None, None), None);
    }

    #[test]
    fn a_missing_folder_or_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(
            folder(&dir.path().join("nope")),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(folder(&file), Err(Error::NotADirectory(_))));
        assert!(folder(dir.path()).unwrap().is_absolute());
    }
}
