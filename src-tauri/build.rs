//! Tauri's build step. `AppManifest::commands` generates an `allow-<command>` permission for
//! each app command, so a command is callable only when capabilities/default.json grants it.
//! The commands come from the one contract (src/contract.rs), read here with a macro that
//! keeps only their names.

macro_rules! ipc_contract {
    ($( $set:literal : { $( $(#[doc = $doc:literal])* fn $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty => $imp:path ; )* } )*) => {
        const COMMANDS: &[&str] = &[ $( $( stringify!($name) ),* ),* ];
    };
}

include!("src/contract.rs");

fn main() {
    println!("cargo:rerun-if-changed=permissions");
    println!("cargo:rerun-if-changed=src/contract.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
