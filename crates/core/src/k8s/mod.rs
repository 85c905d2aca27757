//! Kubernetes: does this project need it, and if so, hardened manifests from its compose file.
//!
//! - [`assess`]: reads the folder (detection, Dockerfile, compose model, the layout of the
//!   repository) and answers `compose`, `managed-containers` or `kubernetes`, with a score and
//!   the signals behind it (each with its evidence and the published rule it rests on), plus a
//!   readiness checklist with fixes.
//! - [`generate`]: the compose model -> a Kustomize layout (`base/`, `overlays/dev`,
//!   `overlays/prod`) of typed `k8s-openapi` objects serialised to YAML, with the Pod Security
//!   "restricted" profile, probes, resources, network policies, and a report of every compose
//!   field translated, defaulted or dropped.
//!
//! Nothing here writes: [`crate::app::k8s`] previews and writes the layout through
//! [`crate::write`]. See docs/k8s.md.

pub mod assess;
pub mod dockerfile;
pub mod generate;
pub mod images;
pub mod locate;
pub mod read;
pub mod sources;

pub use assess::{assess, Assessment, Readiness, Recommendation, Signal, SignalEvidence};
pub use generate::{
    generate, FieldOutcome, FieldReport, GenerateInput, GenerateOptions, Layout, LayoutFile,
    Referenced,
};
pub use sources::RuleSource;
