//! Images: what a local image is (id, user, exposed ports), pulling, and removing the
//! images Berth built (one at a time, by label for a project, or the one a rebuild replaced).

use super::lifecycle::project_filter;
use super::{engine_err, is_not_found, Engine};
use crate::docker::api::ImageInfo;
use crate::docker::build::BuildEvent;
use crate::{Error, Result};
use bollard::models::ImageInspect;
use bollard::query_parameters::{CreateImageOptions, ListImagesOptions, RemoveImageOptions};
use futures_util::StreamExt;
use std::path::Path;

/// Berth's facts of an inspected image (pure).
pub fn image_info_from(i: &ImageInspect) -> ImageInfo {
    let config = i.config.as_ref();
    let mut exposed_ports: Vec<u16> = config
        .and_then(|c| c.exposed_ports.as_ref())
        .map(|p| {
            p.iter()
                .filter(|p| !p.ends_with("/udp"))
                .filter_map(|p| p.split('/').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    exposed_ports.sort_unstable();
    exposed_ports.dedup();
    ImageInfo {
        id: i.id.clone().unwrap_or_default(),
        user: config.and_then(|c| c.user.clone()).unwrap_or_default(),
        exposed_ports,
        workdir: config
            .and_then(|c| c.working_dir.clone())
            .unwrap_or_default(),
        healthcheck: config
            .and_then(|c| c.healthcheck.as_ref())
            .and_then(|h| h.test.as_ref())
            .and_then(|t| t.first())
            .is_some_and(|t| t != "NONE"),
    }
}

impl Engine {
    /// A local image by tag or id; None when the engine has no such image.
    pub async fn image_info(&self, image: &str) -> Result<Option<ImageInfo>> {
        match self.docker().inspect_image(image).await {
            Ok(i) => Ok(Some(image_info_from(&i))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(engine_err(e)),
        }
    }

    /// The id of an image (by tag or id); None when the engine has no such image.
    pub async fn image_id(&self, image: &str) -> Result<Option<String>> {
        Ok(self.image_info(image).await?.map(|i| i.id))
    }

    /// Pull `image`, reporting each status line to `on_event`.
    pub async fn pull_image(
        &self,
        image: &str,
        mut on_event: impl FnMut(BuildEvent) + Send,
    ) -> Result<()> {
        let opts = CreateImageOptions {
            from_image: Some(image.to_string()),
            ..Default::default()
        };
        let mut pull = self.docker().create_image(Some(opts), None, None);
        while let Some(item) = pull.next().await {
            match item {
                Ok(info) => {
                    if let Some(status) = info.status {
                        on_event(BuildEvent::Output { line: status });
                    }
                }
                Err(e) => {
                    return Err(Error::Engine(format!(
                        "image {image} is not here and could not be pulled: {}",
                        super::short_error(&e)
                    )))
                }
            }
        }
        Ok(())
    }

    /// Remove an image; a missing image is not an error.
    pub async fn remove_image(&self, image: &str) -> Result<()> {
        self.remove_image_if_present(image).await.map(|_| ())
    }

    /// Remove an image unless a container still uses it (no force): true when it was there
    /// and is gone, false when it was missing; Err with the engine's reason when it stays.
    pub async fn remove_unused_image(&self, image: &str) -> std::result::Result<bool, String> {
        let opts = RemoveImageOptions {
            force: false,
            noprune: false,
            platforms: None,
        };
        match self.docker().remove_image(image, Some(opts), None).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(super::short_error(&e)),
        }
    }

    /// Remove an image: true when it was there and is gone, false when it was missing.
    pub async fn remove_image_if_present(&self, image: &str) -> Result<bool> {
        let opts = RemoveImageOptions {
            force: true,
            noprune: false,
            platforms: None,
        };
        match self.docker().remove_image(image, Some(opts), None).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(engine_err(e)),
        }
    }

    /// Remove every image Berth built for `project` (label `dev.berth.project`: the app's
    /// image and its compose services' images), after [`Engine::down`]. An image something
    /// else still uses stays; its reason goes into the second list. Returns the removed
    /// images (their first tag, else the id) and those left with why.
    pub async fn remove_project_images(
        &self,
        project: &Path,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let opts = ListImagesOptions {
            filters: Some(project_filter(project)),
            ..Default::default()
        };
        let images = self
            .docker()
            .list_images(Some(opts))
            .await
            .map_err(engine_err)?;
        let (mut removed, mut kept) = (Vec::new(), Vec::new());
        for image in images {
            let name = image
                .repo_tags
                .iter()
                .find(|t| t.as_str() != "<none>:<none>")
                .cloned()
                .unwrap_or_else(|| image.id.clone());
            // By id: every tag of the image goes with it.
            match self.remove_unused_image(&image.id).await {
                Ok(true) => removed.push(name),
                Ok(false) => {}
                Err(why) => kept.push(format!("{name}: {why}")),
            }
        }
        Ok((removed, kept))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bollard::models::ImageConfig;

    #[test]
    fn inspected_images_convert() {
        let i = ImageInspect {
            id: Some("sha256:abc".into()),
            config: Some(ImageConfig {
                user: Some("10001".into()),
                exposed_ports: Some(vec![
                    "8080/tcp".to_string(),
                    "53/udp".to_string(),
                    "3000/tcp".to_string(),
                ]),
                working_dir: Some("/srv".into()),
                healthcheck: Some(bollard::models::HealthConfig {
                    test: Some(vec!["CMD".into(), "true".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let info = image_info_from(&i);
        assert_eq!(info.id, "sha256:abc");
        assert_eq!(info.user, "10001");
        assert_eq!(info.exposed_ports, vec![3000, 8080]);
        assert_eq!(info.workdir, "/srv");
        assert!(info.healthcheck);
        assert!(!image_info_from(&ImageInspect::default()).healthcheck);
        assert_eq!(image_info_from(&ImageInspect::default()).user, "");
    }
}
