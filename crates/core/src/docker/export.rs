//! An image's export (`GET /images/{name}/get`, what `docker save` writes) streamed from the
//! engine into [`crate::check::layers::scan_export`] on a blocking thread: the bytes pass
//! through once, as they arrive; only file lists and small files are kept.

use super::{engine_err, is_not_found, Engine};
use crate::check::layers::{scan_export, ImageScan};
use crate::{Error, Result};
use futures_util::TryStreamExt;
use tokio_util::io::{StreamReader, SyncIoBridge};

/// The engine's facts of an image, with its walked export.
#[derive(Debug, Clone)]
pub struct ScannedImage {
    /// The id (`sha256:...`).
    pub id: String,
    /// The size the engine reports (all layers).
    pub size_bytes: u64,
    pub scan: ImageScan,
}

impl Engine {
    /// Inspect `image` and walk its layers as they stream from the engine.
    pub async fn scan_image(&self, image: &str) -> Result<ScannedImage> {
        let inspect = match self.docker().inspect_image(image).await {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => {
                return Err(Error::InvalidInput(format!(
                    "no image {image} on this engine: build or pull it first"
                )))
            }
            Err(e) => return Err(engine_err(e)),
        };
        let id = inspect.id.clone().unwrap_or_else(|| image.to_string());
        let stream = self
            .docker()
            .export_image(&id)
            .map_err(|e| std::io::Error::other(super::short_error(&e)));
        let reader = SyncIoBridge::new(StreamReader::new(stream));
        let scan = tokio::task::spawn_blocking(move || scan_export(reader))
            .await
            .map_err(|e| Error::Engine(format!("image export walk stopped: {e}")))?
            .map_err(|e| Error::Engine(format!("cannot read the export of {image}: {e}")))?;
        Ok(ScannedImage {
            id,
            size_bytes: u64::try_from(inspect.size.unwrap_or(0)).unwrap_or(0),
            scan,
        })
    }
}
