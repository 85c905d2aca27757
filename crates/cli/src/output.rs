//! Printing results and errors, as text or `--json`.

use serde::Serialize;
use std::process::ExitCode;

pub fn print<T: Serialize>(value: &T, json: bool, text: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("berth: cannot encode JSON: {e}"),
        }
    } else {
        println!("{}", text());
    }
}

/// Print a one-line error to stderr and map it to an exit code:
/// 2 for bad input, 130 when cancelled (Ctrl-C), 1 for runtime failures.
pub fn fail(e: &berth_core::Error) -> ExitCode {
    use berth_core::ErrorKind::*;
    eprintln!("berth: {e}");
    match e.kind() {
        NotFound | NotADirectory | NotAProject | Unreadable | InvalidManifest | SymlinkLoop
        | WouldOverwrite | InvalidPlan | InvalidInput => ExitCode::from(2),
        Cancelled => ExitCode::from(130),
        _ => ExitCode::from(1),
    }
}
