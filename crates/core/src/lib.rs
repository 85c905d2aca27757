//! berth-core: everything in Berth that is not UI.
//!
//! Data flows one way: folder -> [`detect`] -> [`plan::Plan`] -> [`render`] -> files
//! ([`write`]) -> build/run ([`engine`]) -> stats ([`stats`]). Each arrow is a function
//! that can be called and tested alone. Nothing here depends on Tauri or a webview.

pub mod detect;
pub mod dockerignore;
pub mod engine;
pub mod error;
pub mod fsread;
pub mod plan;
pub mod ports;
pub mod project;
pub mod render;
pub mod stats;
pub mod write;

pub use error::{Error, ErrorKind, Result};
