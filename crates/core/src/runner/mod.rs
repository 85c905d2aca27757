//! Runners: how a project's containers are brought up. [`single`] builds and runs one
//! container; [`compose_tool`] runs a compose project with an installed Compose v2 (Berth
//! pre-builds the images); [`compose_api`] runs a compose project through the Engine API
//! when no Compose v2 is installed.

pub mod compose_api;
pub mod compose_tool;
pub mod single;
