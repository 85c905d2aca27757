//! Built image rules (pure, over an [`ImageScan`]): the effective user, secrets in the
//! config's environment, the health check, sensitive VOLUMEs, setuid/setgid files, secret
//! files in any layer — found even when a later layer deletes them —, package-manager
//! caches, and the size against the target.

use super::analysis::{bytes_under, flatten, ImageAnalysis, CACHES};
use super::layers::ImageScan;
use super::rules::*;
use super::secrets::{self, SecretFile};
use super::{Finding, Location};

const SENSITIVE_VOLUMES: &[&str] = &[
    "/",
    "/dev",
    "/proc",
    "/sys",
    "/etc",
    "/boot",
    "/var/run/docker.sock",
];

/// Check an image; `analysis` is [`super::analysis::analyze`] of the same scan.
pub fn check(image: &str, scan: &ImageScan, analysis: &ImageAnalysis) -> Vec<Finding> {
    let at = |layer: Option<usize>, path: &str| Location::Image {
        image: image.to_string(),
        layer: layer.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
        path: path.to_string(),
    };
    let mut out = Vec::new();
    let c = &scan.config;
    let user = c.user.split(':').next().unwrap_or("");
    if user.is_empty() || user == "root" || user == "0" {
        let shown = if c.user.is_empty() {
            "no USER: root"
        } else {
            c.user.as_str()
        };
        out.push(IM_ROOT.at(
            at(None, "config.User"),
            format!("the image runs as {shown}"),
        ));
    }
    for e in &c.env {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        if let Some(cred) = secrets::credential_in(v) {
            let mut refs = vec!["CIS-DI-0010", "AVD-DS-0031"];
            refs.extend(cred.checkov);
            out.push(IM_CREDENTIAL_ENV.at_with_refs(
                at(None, "config.Env"),
                format!("`{k}` holds {}", cred.what),
                &refs,
            ));
        } else if secrets::secret_name(k) && secrets::literal(v).is_some() {
            out.push(
                IM_SECRET_ENV.at(at(None, "config.Env"), format!("`{k}` is set in the image")),
            );
        }
    }
    match c.healthcheck.as_deref() {
        None | Some([]) => {
            out.push(IM_NO_HEALTHCHECK.at(at(None, "config.Healthcheck"), "no HEALTHCHECK"))
        }
        Some([first, ..]) if first == "NONE" => {
            out.push(IM_NO_HEALTHCHECK.at(at(None, "config.Healthcheck"), "HEALTHCHECK NONE"))
        }
        Some(_) => {}
    }
    for v in &c.volumes {
        let p = v.trim_end_matches('/');
        let p = if p.is_empty() { "/" } else { p };
        if SENSITIVE_VOLUMES.contains(&p) {
            out.push(IM_SENSITIVE_VOLUME.at(at(None, "config.Volumes"), format!("VOLUME {v}")));
        }
    }
    let (fs, _) = flatten(scan);
    for (path, f) in &fs {
        if f.file.setuid || f.file.setgid {
            let bits = match (f.file.setuid, f.file.setgid) {
                (true, true) => "setuid and setgid",
                (true, false) => "setuid",
                _ => "setgid",
            };
            out.push(IM_SETUID.at(
                at(Some(f.layer), &format!("/{path}")),
                format!("/{path} is {bits}"),
            ));
        }
    }
    secret_files(scan, &at, &mut out);
    for (prefix, name, dockle) in CACHES {
        let (bytes, layer) = bytes_under(&fs, prefix);
        if bytes >= 1_000_000 {
            out.push(IM_CACHE.at_with_refs(
                at(Some(layer), &format!("/{prefix}")),
                format!("{name}: {:.1} MB in the final image", bytes as f64 / 1e6),
                &[dockle],
            ));
        }
    }
    if !analysis.meets_target {
        out.push(IM_OVER_TARGET.at(
            at(None, "size"),
            format!(
                "{:.0} MB against the {:.0} MB target",
                analysis.size_bytes as f64 / 1e6,
                analysis.target_bytes as f64 / 1e6
            ),
        ));
    }
    out
}

/// Secret files in every layer, with the layer that deletes them when one does.
fn secret_files(
    scan: &ImageScan,
    at: &dyn Fn(Option<usize>, &str) -> Location,
    out: &mut Vec<Finding>,
) {
    for (i, layer) in scan.layers.iter().enumerate() {
        for f in &layer.files {
            let Some((kind, why)) = &f.secret else {
                continue;
            };
            let deleted = scan.layers[i + 1..].iter().position(|later| {
                later
                    .whiteouts
                    .iter()
                    .any(|w| f.path == *w || f.path.starts_with(&format!("{w}/")))
                    || later
                        .opaque
                        .iter()
                        .any(|d| f.path.starts_with(&format!("{d}/")))
            });
            let fate = match deleted {
                Some(d) => format!(
                    "; deleted in layer {} but still in layer {i}, readable by anyone who pulls the image",
                    i + 1 + d
                ),
                None => String::new(),
            };
            let rule = match kind {
                SecretFile::Key => IM_PRIVATE_KEY,
                SecretFile::Other => IM_SECRET_FILE,
            };
            out.push(rule.at(
                at(Some(i), &format!("/{}", f.path)),
                format!("/{}: {why}{fate}", f.path),
            ));
        }
    }
}
