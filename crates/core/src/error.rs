//! One error enum for the core. Every variant maps to a stable [`ErrorKind`] that crosses
//! IPC as `{ kind, message }` so the UI never matches on English text.

use serde::Serialize;
use std::path::PathBuf;
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    #[error("{0} is a file, not a folder: choose the project's folder")]
    NotADirectory(PathBuf),
    #[error("{path}: not a project Berth recognizes ({reason})")]
    NotAProject { path: PathBuf, reason: String },
    #[error("{path}: cannot read ({source})")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    InvalidManifest {
        file: PathBuf,
        line: Option<u32>,
        message: String,
    },
    #[error("{0}: symbolic link loop")]
    SymlinkLoop(PathBuf),
    /// A project file that is a link, FIFO, socket, device or folder: Berth neither reads
    /// nor writes through it (kind `unreadable`).
    #[error("{path} is {what}")]
    NotARegularFile {
        path: PathBuf,
        what: crate::fsread::Special,
    },
    /// A project file over the read cap (kind `unreadable`).
    #[error("{path} is larger than {}: Berth reads at most that much of a project file", crate::fsread::human_size(*cap))]
    TooLarge { path: PathBuf, cap: u64 },
    #[error(
        "{0} already exists: review the difference and confirm, or pass --force (a backup is kept)"
    )]
    WouldOverwrite(PathBuf),
    /// The file on disk is not what the preview showed (it appeared, changed or went away
    /// since): nothing was replaced; preview again (kind `would_overwrite`).
    #[error("{0} changed since the preview: nothing was replaced; review the difference again")]
    ChangedSincePreview(PathBuf),
    /// A write that failed after some files were already written: names them (the kind is
    /// the failure's).
    #[error("{source} (already written: {})", written.join(", "))]
    PartlyWritten {
        /// What was written, one entry per file (`path`, or `path (previous kept in backup)`).
        written: Vec<String>,
        #[source]
        source: Box<Error>,
    },
    #[error("invalid plan: {0}")]
    InvalidPlan(String),
    /// A value the caller passed that Berth refuses (the message says what is accepted).
    #[error("{0}")]
    InvalidInput(String),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    EngineUnavailable(String),
    #[error("engine: {0}")]
    Engine(String),
    #[error("port {port} is already in use{}", owner.as_ref().map(|o| format!(" by {o}")).unwrap_or_default())]
    PortInUse { port: u16, owner: Option<String> },
    #[error("cancelled")]
    Cancelled,
}

/// Stable, machine-readable error kinds (serialized in snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    NotFound,
    NotADirectory,
    NotAProject,
    Unreadable,
    InvalidManifest,
    SymlinkLoop,
    WouldOverwrite,
    InvalidPlan,
    InvalidInput,
    Template,
    Io,
    EngineUnavailable,
    Engine,
    PortInUse,
    Cancelled,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::NotADirectory(_) => ErrorKind::NotADirectory,
            Error::NotAProject { .. } => ErrorKind::NotAProject,
            Error::Unreadable { .. } => ErrorKind::Unreadable,
            Error::InvalidManifest { .. } => ErrorKind::InvalidManifest,
            Error::SymlinkLoop(_) => ErrorKind::SymlinkLoop,
            Error::NotARegularFile { .. } | Error::TooLarge { .. } => ErrorKind::Unreadable,
            Error::WouldOverwrite(_) | Error::ChangedSincePreview(_) => ErrorKind::WouldOverwrite,
            Error::PartlyWritten { source, .. } => source.kind(),
            Error::InvalidPlan(_) => ErrorKind::InvalidPlan,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Template { .. } => ErrorKind::Template,
            Error::Io { .. } => ErrorKind::Io,
            Error::EngineUnavailable(_) => ErrorKind::EngineUnavailable,
            Error::Engine(_) => ErrorKind::Engine,
            Error::PortInUse { .. } => ErrorKind::PortInUse,
            Error::Cancelled => ErrorKind::Cancelled,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The shape every error takes across IPC and in `--json` output.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}
