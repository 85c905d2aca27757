//! Compatibility shim while the rest of the crate moves to [`crate::stacks`]: detection now
//! lives with the stack providers. To be removed once every caller names `stacks`.

pub use crate::stacks::{detect, detect_project, hint_keys, Detection, Evidence, Service, Stack};
