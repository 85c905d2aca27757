//! The Kubernetes layouts of the fixtures under tests/k8s, snapshotted (every file and the
//! report), plus the properties the issue asks for, checked on the objects themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::app::k8s;
use berth_core::k8s::{FieldOutcome, GenerateOptions, Layout};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/k8s")
        .join(name)
}

fn layout(name: &str) -> Layout {
    k8s::generate(&fixture(name), &GenerateOptions::default()).unwrap()
}

/// Every file, then the report, as one text.
fn text(l: &Layout) -> String {
    let mut out = String::new();
    for f in &l.files {
        out.push_str(&format!("### {}\n{}\n", f.path, f.content));
    }
    out.push_str("### report\n");
    for r in &l.report {
        out.push_str(&format!(
            "{} {} [{:?}] {}\n",
            r.service.as_deref().unwrap_or("(top)"),
            r.field,
            r.outcome,
            r.detail
        ));
    }
    out
}

fn file<'a>(l: &'a Layout, path: &str) -> &'a str {
    &l.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| {
            panic!(
                "no {path} in {:?}",
                l.files.iter().map(|f| &f.path).collect::<Vec<_>>()
            )
        })
        .content
}

#[test]
fn fixtures_snapshot() {
    for name in [
        "single-api",
        "scaled-api",
        "platform",
        "off-the-shelf",
        "edge-cases",
    ] {
        insta::assert_snapshot!(format!("k8s_{name}"), text(&layout(name)));
    }
}

#[test]
fn secrets_never_reach_the_workloads_or_prod() {
    let l = layout("platform");
    for f in &l.files {
        let workload = f.path.starts_with("base/");
        if workload {
            // No secret value anywhere in base: not the compose literal, not the file's.
            assert!(
                !f.content.contains("s3cret-dev-password"),
                "{} holds a secret value",
                f.path
            );
            assert!(
                !f.content.contains("kind: Secret\n"),
                "{} is a Secret in base",
                f.path
            );
        }
        if f.path.starts_with("overlays/prod/") {
            assert!(
                !f.content.contains("kind: Secret\n"),
                "{} is a Secret in prod",
                f.path
            );
            assert!(!f.content.contains("s3cret-dev-password"), "{}", f.path);
        }
    }
    // The dev Secret holds the compose value, marked for replacement; the ignored key file
    // is not copied.
    let dev = file(&l, "overlays/dev/secret-web-env.yaml");
    assert!(dev.contains("berth.dev/replace-me"), "{dev}");
    assert!(
        dev.contains("postgres://shop:s3cret-dev-password@db:5432/shop"),
        "{dev}"
    );
    let key = file(&l, "overlays/dev/secret-payment-key.yaml");
    assert!(
        key.contains("payment_key: REPLACE-ME") && !key.contains("sk_test"),
        "{key}"
    );
    // The workload reads it by reference.
    let web = file(&l, "base/deployment-web.yaml");
    assert!(
        web.contains("secretKeyRef:") && web.contains("name: web-env"),
        "{web}"
    );
    // prod names where the values come from.
    let es = file(&l, "overlays/prod/externalsecret-web-env.yaml");
    assert!(
        es.contains("kind: ExternalSecret") && es.contains("key: shop/web-env"),
        "{es}"
    );
}

#[test]
fn the_platform_gets_statefulsets_probes_waits_budgets_and_policies() {
    let l = layout("platform");
    let db = file(&l, "base/statefulset-db.yaml");
    assert!(
        db.contains("volumeClaimTemplates:") && db.contains("name: db-data"),
        "{db}"
    );
    assert!(db.contains("runAsUser: 70"), "postgres alpine's user: {db}");
    let web = file(&l, "base/deployment-web.yaml");
    for needle in [
        "readinessProbe:",
        "livenessProbe:",
        "startupProbe:",
        "path: /healthz",
        "name: wait-for-db",
        "nc -z -w 2 db 5432",
        "runAsNonRoot: true",
        "runAsUser: 10001",
        "allowPrivilegeEscalation: false",
        "readOnlyRootFilesystem: true",
        "- ALL",
        "type: RuntimeDefault",
        "mountPath: /tmp",
        "cpu: '1'",
        "memory: 512Mi",
    ] {
        assert!(web.contains(needle), "web lacks {needle}:\n{web}");
    }
    // A worker built from the web app's Dockerfile does not serve its port.
    let worker = file(&l, "base/deployment-worker.yaml");
    assert!(!worker.contains("containerPort"), "{worker}");
    assert!(
        worker.contains("celery@$HOSTNAME"),
        "compose's $$ is a literal $: {worker}"
    );
    assert!(l.files.iter().all(|f| f.path != "base/service-worker.yaml"));
    // Budgets only where there is more than one replica.
    assert!(l.files.iter().any(|f| f.path == "base/pdb-web.yaml"));
    assert!(l.files.iter().all(|f| f.path != "base/pdb-scheduler.yaml"));
    // Deny by default; the web may reach db and redis, db is reachable from web and worker.
    assert!(file(&l, "base/networkpolicy-default-deny.yaml").contains("- Egress"));
    let np = file(&l, "base/networkpolicy-db.yaml");
    assert!(
        np.contains("app.kubernetes.io/name: web") && np.contains("app.kubernetes.io/name: worker"),
        "{np}"
    );
    // Every resource file is listed in base's kustomization.
    let k = file(&l, "base/kustomization.yaml");
    for f in l
        .files
        .iter()
        .filter(|f| f.path.starts_with("base/") && !f.path.ends_with("kustomization.yaml"))
    {
        assert!(
            k.contains(&format!("- {}", &f.path["base/".len()..])),
            "{} not listed",
            f.path
        );
    }
}

#[test]
fn the_report_covers_every_key_of_the_compose_file() {
    let l = layout("platform");
    let has = |svc: Option<&str>, field: &str, outcome: FieldOutcome| {
        l.report
            .iter()
            .any(|r| r.service.as_deref() == svc && r.field == field && r.outcome == outcome)
    };
    assert!(has(Some("redis"), "container_name", FieldOutcome::Dropped));
    assert!(has(Some("web"), "healthcheck", FieldOutcome::Translated));
    assert!(has(Some("scheduler"), "depends_on", FieldOutcome::Dropped));
    assert!(has(Some("db"), "deploy.resources", FieldOutcome::Defaulted));
    assert!(has(None, "secrets", FieldOutcome::Translated));
    // Every service key of the compose file appears in the report.
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(fixture("platform").join("compose.yaml")).unwrap(),
    )
    .unwrap();
    for (name, body) in doc["services"].as_mapping().unwrap() {
        for (key, _) in body.as_mapping().unwrap() {
            let (name, key) = (name.as_str().unwrap(), key.as_str().unwrap());
            assert!(
                l.report.iter().any(|r| r.service.as_deref() == Some(name)
                    && (r.field == key || r.field.starts_with(&format!("{key}.")))),
                "{name}.{key} is not in the report"
            );
        }
    }
}

#[test]
fn preview_and_write_go_through_the_safe_writes() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("layout");
    let p = k8s::preview(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
    )
    .unwrap();
    assert!(p
        .files
        .iter()
        .all(|f| f.status == berth_core::write::FileStatus::New));
    let w = k8s::write(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
        None,
        false,
    )
    .unwrap();
    assert!(
        out.join("base/kustomization.yaml").is_file()
            && out.join("overlays/prod/kustomization.yaml").is_file()
    );
    assert_eq!(w.files.len(), p.files.len());
    // A hand edit is not replaced without force; with force it is, keeping a backup.
    std::fs::write(out.join("base/namespace.yaml"), "# mine\n").unwrap();
    let e = k8s::write(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
        None,
        false,
    )
    .unwrap_err();
    assert!(matches!(e, berth_core::Error::WouldOverwrite(_)), "{e}");
    let p = k8s::preview(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
    )
    .unwrap();
    let changed = p
        .files
        .iter()
        .find(|f| f.name == "base/namespace.yaml")
        .unwrap();
    assert!(changed.diff.as_deref().unwrap().contains("-# mine"));
    let w = k8s::write(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
        None,
        true,
    )
    .unwrap();
    let backup = w.files.iter().find_map(|f| f.backup.clone()).unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "# mine\n");
    // What the user confirmed is what gets replaced: a file edited after the preview is
    // refused even with force.
    let p = k8s::preview(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
    )
    .unwrap();
    let seen: Vec<_> = p.files.iter().map(|f| f.seen()).collect();
    std::fs::write(
        out.join("base/namespace.yaml"),
        "# edited after the preview\n",
    )
    .unwrap();
    let e = k8s::write(
        &fixture("single-api"),
        &GenerateOptions::default(),
        Some(&out),
        Some(&seen),
        true,
    )
    .unwrap_err();
    assert_eq!(e.kind(), berth_core::ErrorKind::WouldOverwrite, "{e}");
    assert_eq!(
        std::fs::read_to_string(out.join("base/namespace.yaml")).unwrap(),
        "# edited after the preview\n"
    );
    // --namespace names the namespace everywhere.
    let l = k8s::generate(
        &fixture("single-api"),
        &GenerateOptions {
            namespace: Some("Team A".into()),
        },
    )
    .unwrap();
    assert_eq!(l.namespace, "team-a");
    assert!(file(&l, "base/kustomization.yaml").contains("namespace: team-a"));
}

#[test]
fn corner_cases_are_translated_or_reported() {
    let l = layout("edge-cases");
    // Names become DNS labels; the quoted command is split as compose splits it.
    let api = file(&l, "base/deployment-my-api.yaml");
    assert!(api.contains("- the api"), "{api}");
    // A name in `user:` cannot be a runAsUser: reported, and runAsNonRoot still holds.
    assert!(!api.contains("runAsUser"), "{api}");
    assert!(api.contains("runAsNonRoot: true"));
    // The shared volume is one ReadWriteMany claim mounted by both.
    let pvc = file(&l, "base/pvc-uploads.yaml");
    assert!(pvc.contains("ReadWriteMany"), "{pvc}");
    assert!(file(&l, "base/deployment-static-files.yaml").contains("claimName: uploads"));
    // A variable with no value is never invented; the secret file in the project is copied to dev.
    let dev = file(&l, "overlays/dev/secret-my-api-env.yaml");
    assert!(dev.contains("API_TOKEN: REPLACE-ME"), "{dev}");
    assert!(file(&l, "overlays/dev/secret-signing-key.yaml").contains("not-a-real-key"));
    // The external secret is referenced, never generated.
    assert!(api.contains("secretName: tls-bundle"));
    assert!(l
        .files
        .iter()
        .all(|f| !f.path.ends_with("secret-tls-bundle.yaml")));
    let dropped = |field: &str| {
        l.report.iter().any(|r| {
            r.service.as_deref() == Some("my_api")
                && r.field == field
                && r.outcome == FieldOutcome::Dropped
        })
    };
    for field in ["cap_add", "labels", "stop_grace_period", "user", "volumes"] {
        assert!(dropped(field), "my_api.{field} should be reported dropped");
    }
}
