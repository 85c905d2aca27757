//! The export walk and the analysis on hand-built exports (pure): layers before the
//! manifest (as `docker save` streams them), whiteouts, opaque directories, mode bits and
//! secret files confirmed by content.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::check::analysis::analyze;
use crate::check::image;

/// A layer tar: (path, mode, content); `None` content is a directory.
fn layer(entries: &[(&str, u32, Option<&[u8]>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, mode, content) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_mode(*mode);
        match content {
            Some(c) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(c.len() as u64);
                b.append_data(&mut h, path, *c).unwrap();
            }
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                b.append_data(&mut h, path, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn export(layers: &[(&str, Vec<u8>)], config: &str, oci_names: bool) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    };
    let names: Vec<String> = layers
        .iter()
        .map(|(n, _)| {
            if oci_names {
                format!("blobs/sha256/{n}")
            } else {
                format!("{n}/layer.tar")
            }
        })
        .collect();
    for ((_, data), name) in layers.iter().zip(&names) {
        add(&mut b, name, data);
    }
    let config_name = if oci_names {
        "blobs/sha256/cfg"
    } else {
        "cfg.json"
    };
    add(&mut b, config_name, config.as_bytes());
    let manifest =
        serde_json::json!([{ "Config": config_name, "Layers": names, "RepoTags": ["t:1"] }]);
    add(&mut b, "manifest.json", manifest.to_string().as_bytes());
    b.into_inner().unwrap()
}

const CONFIG: &str = r#"{
  "config": { "User": "", "Env": ["PATH=/bin", "API_TOKEN=s3cr3t-s3cr3t"], "Volumes": { "/proc": {} } },
  "history": [
    { "created_by": "/bin/sh -c #(nop) ADD file:abc in / " },
    { "created_by": "/bin/sh -c #(nop)  ENV API_TOKEN=x", "empty_layer": true },
    { "created_by": "COPY secrets /app # buildkit" },
    { "created_by": "|2 A=1 B=two /bin/sh -c rm -rf /app/keys /var/tmp" }
  ]
}"#;

const KEY: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

fn sample(oci: bool) -> ImageScan {
    let l0 = layer(&[
        ("bin", 0o755, None),
        ("bin/su", 0o4755, Some(&[1u8; 100][..])),
        ("var/tmp/", 0o1777, None),
        ("var/tmp/big", 0o644, Some(&[2u8; 5000][..])),
        (
            "etc/ssl/certs/ca.pem",
            0o644,
            Some(&b"-----BEGIN CERTIFICATE-----"[..]),
        ),
    ]);
    let l1 = layer(&[
        ("app/keys/server.key", 0o600, Some(KEY)),
        (
            "app/cert.pem",
            0o644,
            Some(&b"-----BEGIN CERTIFICATE-----\nx"[..]),
        ),
        (
            "app/.npmrc",
            0o600,
            Some(&b"//registry.npmjs.org/:_authToken=abc"[..]),
        ),
        ("app/.npmrc.bak", 0o600, Some(&b"registry=x"[..])),
        ("bin/su", 0o755, Some(&[1u8; 120][..])),
    ]);
    let l2 = layer(&[
        ("app/.wh.keys", 0o644, Some(&b""[..])),
        ("var/tmp/.wh..wh..opq", 0o644, Some(&b""[..])),
        ("var/tmp/new", 0o644, Some(&[3u8; 10][..])),
    ]);
    let bytes = export(&[("l0", l0), ("l1", l1), ("l2", l2)], CONFIG, oci);
    scan_export(std::io::Cursor::new(bytes)).unwrap()
}

#[test]
fn layers_walk_in_manifest_order_with_whiteouts_and_modes() {
    for oci in [false, true] {
        let s = sample(oci);
        assert_eq!(s.layers.len(), 3);
        assert_eq!(s.history.len(), 4);
        assert!(s.layers[0]
            .files
            .iter()
            .any(|f| f.path == "bin/su" && f.setuid));
        assert!(s.layers[0]
            .files
            .iter()
            .any(|f| f.path == "var/tmp" && f.dir));
        assert_eq!(s.layers[2].whiteouts, ["app/keys"]);
        assert_eq!(s.layers[2].opaque, ["var/tmp"]);
        assert_eq!(s.config.volumes, ["/proc"]);
        let secrets: Vec<&str> = s.layers[1]
            .files
            .iter()
            .filter(|f| f.secret.is_some())
            .map(|f| f.path.as_str())
            .collect();
        // A certificate is not a key; an .npmrc without a token is not a secret.
        assert_eq!(secrets, ["app/keys/server.key", "app/.npmrc"]);
    }
}

#[test]
fn the_analysis_counts_bytes_that_never_reach_the_final_image() {
    let s = sample(false);
    let a = analyze("t:1", 10_000, &s);
    // l0: su (100) replaced by l1, big (5000) under an opaque dir: wasted. l1: the key deleted.
    let key = KEY.len() as u64;
    assert_eq!(a.layers[0].wasted_bytes, 5100);
    assert_eq!(a.layers[1].wasted_bytes, key);
    assert_eq!(a.layers[2].wasted_bytes, 0);
    assert_eq!(a.wasted_bytes, 5100 + key);
    assert_eq!(a.layers[0].created_by, "ADD file:abc in /");
    assert_eq!(a.layers[1].created_by, "COPY secrets /app # buildkit");
    assert_eq!(a.layers[2].created_by, "RUN rm -rf /app/keys /var/tmp");
    assert_eq!(a.layers[0].files_added, 3, "directories are not counted");
    assert_eq!(a.largest_files[0].path, "/bin/su");
    assert_eq!(a.largest_files[0].layer, 1);
    assert!(a.meets_target);
}

#[test]
fn image_findings_name_the_layer_and_path() {
    let s = sample(true);
    let a = analyze("t:1", 150_000_000, &s);
    let f = image::check("t:1", &s, &a);
    let get = |id: &str| f.iter().filter(|x| x.id == id).collect::<Vec<_>>();
    let key = get("BERTH-IM-003");
    assert_eq!(key.len(), 1);
    assert_eq!(
        key[0].location,
        crate::check::Location::Image {
            image: "t:1".into(),
            layer: Some(1),
            path: "/app/keys/server.key".into()
        }
    );
    assert!(key[0].detail.contains("deleted in layer 2"));
    assert_eq!(get("BERTH-IM-004").len(), 1, ".npmrc with a token");
    assert_eq!(
        get("BERTH-IM-002").len(),
        0,
        "su lost its setuid bit in layer 1"
    );
    assert_eq!(get("BERTH-IM-001").len(), 1, "root");
    assert_eq!(get("BERTH-IM-005").len(), 1, "API_TOKEN in the environment");
    assert_eq!(get("BERTH-IM-009").len(), 1, "VOLUME /proc");
    assert_eq!(get("BERTH-IM-010").len(), 1, "150 MB > 100 MB");
}

#[test]
fn an_export_without_a_manifest_is_an_error() {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(2);
    b.append_data(&mut h, "x.json", &b"{}"[..]).unwrap();
    let bytes = b.into_inner().unwrap();
    assert!(scan_export(std::io::Cursor::new(bytes)).is_err());
}
