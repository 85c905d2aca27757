//! The IPC contract (src/contract.rs) made into code: one `#[tauri::command]` wrapper per
//! entry (which takes the webview and calls the implementation, so a signature cannot differ
//! from the contract), the invoke handler, and the TypeScript the UI calls
//! (`ui/src/lib/bindings/commands.ts`, written by the `export_bindings_commands` test and
//! checked for drift by scripts/check-bindings.sh). build.rs reads the same file for the
//! permission list, and the capabilities test checks permissions/berth.toml against it.

use crate::host::HostCapacity;
use crate::launch::AppRequest;
use crate::stats::{ContainerRow, LifecycleAction, StatsBatch};
use berth_core::app::deploy::{DeployEvent, DeployReport};
use berth_core::app::deploy_history::DeployRecord;
use berth_core::app::deploy_targets::DeployTarget;
use berth_core::app::k8s::K8sPreview;
use berth_core::app::{
    DownReport, FolderCheck, GroupReport, ImageCheck, OpenedProject, PortWriteReport,
    ProjectPreview, Source, SourcesChanged, UpEvent,
};
use berth_core::bench::{BenchEvent, BenchReport};
use berth_core::check::Report;
use berth_core::docker::logs::LogLine;
use berth_core::docker::EngineInfo;
use berth_core::environment::Environment;
use berth_core::error::ErrorPayload;
use berth_core::k8s::Assessment;
use berth_core::plan::PlanEdits;
use berth_core::ports::PortCheck;
use berth_core::runner::{RunReport, RunnerChoice};
use berth_core::stats::StatsPoint;
use berth_core::write::{Seen, WriteReport};
use tauri::ipc::Channel;
#[cfg(test)]
use ts_rs::TS;

/// What every command returns across IPC: the value, or `{ kind, message }`.
pub type CmdResult<T> = Result<T, ErrorPayload>;

/// One command of the contract, as the TypeScript side sees it.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    /// The permission set of permissions/berth.toml that grants it.
    pub set: &'static str,
    pub doc: &'static str,
    /// (Rust argument name, TypeScript type).
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of the value it resolves to.
    pub returns: String,
}

/// The TypeScript type of a command argument.
#[cfg(test)]
pub trait IpcArg {
    fn ts() -> String;
}

macro_rules! ipc_arg_via_ts {
    ($($t:ty),* $(,)?) => {
        $(#[cfg(test)]
        impl IpcArg for $t {
            fn ts() -> String {
                <$t as TS>::name(&ts_rs::Config::default())
            }
        })*
    };
}

ipc_arg_via_ts!(
    String,
    bool,
    u16,
    u32,
    Option<u16>,
    Option<String>,
    PlanEdits,
    Option<PlanEdits>,
    Option<Vec<Seen>>,
    Source,
    RunnerChoice,
    LifecycleAction,
    Environment,
    Option<Environment>,
);

#[cfg(test)]
impl<T: TS> IpcArg for Channel<T> {
    fn ts() -> String {
        format!("Channel<{}>", T::name(&ts_rs::Config::default()))
    }
}

macro_rules! ipc_contract {
    ($( $set:literal : { $( $(#[doc = $doc:literal])* fn $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty => $imp:path ; )* } )*) => {
        /// The `#[tauri::command]` wrappers, generated from the contract.
        pub mod generated {
            #[allow(unused_imports)]
            use super::*;
            $( $(
                $(#[doc = $doc])*
                #[tauri::command]
                #[allow(clippy::too_many_arguments)]
                pub async fn $name(webview: tauri::Webview, $( $arg: $ty ),*) -> CmdResult<$ret> {
                    $imp(&webview, $( $arg ),*).await
                }
            )* )*
        }

        /// The invoke handler: every command of the contract, and nothing else.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![ $( $( generated::$name ),* ),* ]
        }

        /// The contract as data (TypeScript generation, the permission checks).
        #[cfg(test)]
        pub fn contract() -> Vec<CommandSpec> {
            let cfg = ts_rs::Config::default();
            let _ = &cfg;
            vec![ $( $(
                CommandSpec {
                    name: stringify!($name),
                    set: $set,
                    doc: concat!($( $doc, "\n" ),*),
                    args: vec![ $( (stringify!($arg), <$ty as IpcArg>::ts()) ),* ],
                    returns: <$ret as TS>::name(&cfg),
                },
            )* )* ]
        }
    };
}

include!("contract.rs");

/// `host_port` -> `hostPort`: Tauri's names for command arguments on the JavaScript side.
#[cfg(test)]
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The binding types a TypeScript type names (`Array<ContainerRow>` -> `ContainerRow`):
/// capitalised identifiers other than TypeScript's and Tauri's own generics.
#[cfg(test)]
fn named_types(ts: &str) -> impl Iterator<Item = &str> {
    ts.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter(|w| !matches!(*w, "Array" | "Channel" | "Record" | "Partial"))
}

/// The TypeScript module of the contract: the `Commands` type map, the names, the permission
/// set of each, and a typed `invokeCommand`.
#[cfg(test)]
pub fn typescript(specs: &[CommandSpec]) -> String {
    let mut referenced: Vec<&str> = specs
        .iter()
        .flat_map(|s| {
            s.args
                .iter()
                .map(|(_, t)| t.as_str())
                .chain([s.returns.as_str()])
        })
        .flat_map(named_types)
        .collect();
    referenced.sort_unstable();
    referenced.dedup();
    let mut s = String::from(
        "// Generated from src-tauri/src/contract.rs (the one list of the app's commands) by\n\
         // `cargo test -p berth-app export_bindings`. Do not edit: change the contract.\n\
         import { invoke, type Channel } from '@tauri-apps/api/core';\n",
    );
    for b in &referenced {
        s.push_str(&format!("import type {{ {b} }} from './{b}';\n"));
    }
    s.push_str("\n/** Every command: its arguments (as the webview names them) and what it resolves to. */\nexport interface Commands {\n");
    for c in specs {
        for line in c.doc.lines().filter(|l| !l.trim().is_empty()) {
            s.push_str(&format!("  /**{line} */\n"));
        }
        let args: Vec<String> = c
            .args
            .iter()
            .map(|(n, t)| format!("{}: {t}", camel(n)))
            .collect();
        let args = if args.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        s.push_str(&format!(
            "  {}: {{ args: {args}; returns: {} }};\n",
            c.name, c.returns
        ));
    }
    s.push_str("}\n\nexport type CommandName = keyof Commands;\n\n/** The commands, in contract order. */\nexport const COMMANDS: readonly CommandName[] = [\n");
    for c in specs {
        s.push_str(&format!("  '{}',\n", c.name));
    }
    s.push_str("];\n\n/** The permission set (src-tauri/permissions/berth.toml) that grants each command. */\nexport const PERMISSION_SETS: Record<CommandName, string> = {\n");
    for c in specs {
        s.push_str(&format!("  {}: '{}',\n", c.name, c.set));
    }
    s.push_str(
        "};\n\n/** Invoke a command of the contract, typed by it. */\n\
         export function invokeCommand<K extends CommandName>(cmd: K, args: Commands[K]['args']): Promise<Commands[K]['returns']> {\n\
         \x20 return invoke<Commands[K]['returns']>(cmd, args as Record<string, unknown>);\n}\n",
    );
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn bindings_dir() -> std::path::PathBuf {
        let dir =
            std::env::var("TS_RS_EXPORT_DIR").unwrap_or_else(|_| "../ui/src/lib/bindings".into());
        let p = std::path::PathBuf::from(dir);
        if p.is_absolute() {
            p
        } else {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(p)
        }
    }

    /// Writes ui/src/lib/bindings/commands.ts (named like ts-rs's export tests, so the
    /// bindings drift check regenerates and compares it too).
    #[test]
    fn export_bindings_commands() {
        let dir = bindings_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("commands.ts"), typescript(&contract())).unwrap();
    }

    #[test]
    fn the_contract_names_each_command_once_with_its_arguments() {
        let c = contract();
        let mut names: Vec<_> = c.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), c.len(), "a command is listed twice");
        let up = c.iter().find(|s| s.name == "up_project").unwrap();
        assert_eq!(up.set, "run-commands");
        assert!(
            up.args
                .contains(&("host_port", "number | null".to_string())),
            "{:?}",
            up.args
        );
        assert!(
            up.args
                .contains(&("on_event", "Channel<UpEvent>".to_string())),
            "{:?}",
            up.args
        );
        assert_eq!(up.returns, "RunReport");
        assert!(
            c.iter().all(|s| !s.doc.trim().is_empty()),
            "every command says what it does"
        );
        let ts = typescript(&c);
        assert!(ts.contains("up_project: { args: { root: string; source: Source; edits: PlanEdits | null; runner: RunnerChoice; hostPort: number | null; expose: boolean; env: Environment | null; platform: string | null; onEvent: Channel<UpEvent> }; returns: RunReport };"), "{ts}");
        assert!(ts.contains("import type { RunReport } from './RunReport';"));
        assert!(ts.contains("import type { ContainerRow } from './ContainerRow';"));
        assert!(
            ts.contains("engine_status: { args: {}; returns: EngineInfo };"),
            "{ts}"
        );
        assert!(!ts.contains("import type { Array }"));
    }

    #[test]
    fn each_permission_set_grants_exactly_its_contract_commands() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("permissions/berth.toml"),
        )
        .unwrap();
        let manifest: toml::Value = toml::from_str(&text).unwrap();
        let contract = contract();
        let mut sets_seen = Vec::new();
        for set in manifest["set"].as_array().unwrap() {
            let id = set["identifier"].as_str().unwrap();
            let granted: std::collections::BTreeSet<String> = set["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string())
                .filter(|p| p.starts_with("allow-"))
                .collect();
            let expected: std::collections::BTreeSet<String> = contract
                .iter()
                .filter(|c| c.set == id)
                .map(|c| format!("allow-{}", c.name.replace('_', "-")))
                .collect();
            assert_eq!(granted, expected, "permission set {id} vs src/contract.rs");
            sets_seen.push(id.to_string());
        }
        for c in &contract {
            assert!(
                sets_seen.iter().any(|s| s == c.set),
                "{} names the unknown set {}",
                c.name,
                c.set
            );
        }
    }

    #[test]
    fn argument_names_are_camel_cased_as_tauri_does() {
        assert_eq!(camel("host_port"), "hostPort");
        assert_eq!(camel("on_event"), "onEvent");
        assert_eq!(camel("root"), "root");
    }
}
