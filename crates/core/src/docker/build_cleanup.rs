//! Leaving nothing half-made: what an unfinished build created (intermediate containers,
//! committed images, a moved tag) and its removal, also when the build future is dropped.

use super::Engine;
use bollard::query_parameters::{RemoveContainerOptions, RemoveImageOptions};
use std::time::Duration;

/// Ids a build created, removed again if it does not finish.
#[derive(Debug, Default)]
pub(super) struct Created {
    pub(super) containers: Vec<String>,
    pub(super) images: Vec<String>,
    /// A BuildKit build's tag and the image it named before the build: removed again if
    /// it now names another image.
    pub(super) tag: Option<(String, Option<String>)>,
}

/// Holds what a build has created so far; if the build future is dropped before it
/// finishes, the cleanup is spawned on the current runtime (a runtime that is shutting
/// down may not run it).
pub(super) struct CleanupOnDrop {
    pub(super) engine: Engine,
    pub(super) created: Created,
    pub(super) armed: bool,
}

impl CleanupOnDrop {
    pub(super) fn disarm(&mut self) -> Created {
        self.armed = false;
        std::mem::take(&mut self.created)
    }
}

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        if !self.armed
            || (self.created.containers.is_empty()
                && self.created.images.is_empty()
                && self.created.tag.is_none())
        {
            return;
        }
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            let engine = self.engine.clone();
            let created = std::mem::take(&mut self.created);
            h.spawn(async move { engine.clean_up_build(&created).await });
        }
    }
}

impl Engine {
    /// Remove what an unfinished build made: intermediate containers first, then the images
    /// it committed (newest first; each is a parent of the next).
    pub(super) async fn clean_up_build(&self, created: &Created) {
        // The daemon notices the closed connection asynchronously; give it a moment to
        // stop the running step before removing its container.
        for id in &created.containers {
            let opts = RemoveContainerOptions {
                force: true,
                v: true,
                link: false,
            };
            for _ in 0..20 {
                match self.docker().remove_container(id, Some(opts.clone())).await {
                    Ok(()) => break,
                    Err(e) if super::is_not_found(&e) => break,
                    Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
                }
            }
        }
        for id in created.images.iter().rev() {
            let opts = RemoveImageOptions {
                force: false,
                noprune: false,
                platforms: None,
            };
            let _ = self.docker().remove_image(id, Some(opts), None).await;
        }
        if let Some((tag, before)) = &created.tag {
            let now = self
                .docker()
                .inspect_image(tag)
                .await
                .ok()
                .and_then(|i| i.id);
            if now.is_some() && now != *before {
                let opts = RemoveImageOptions {
                    force: false,
                    noprune: false,
                    platforms: None,
                };
                let _ = self.docker().remove_image(tag, Some(opts), None).await;
            }
        }
    }
}
