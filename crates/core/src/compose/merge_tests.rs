//! The merge rules on hand-written files (the same files merged by Compose v2's `config` in
//! crates/core/tests/compose_merge.rs, as an independent judge).

use super::*;

fn y(s: &str) -> Value {
    serde_yaml_ng::from_str(s).unwrap()
}

fn merged(base: &str, over: &str) -> Value {
    merge_all(y(base), [y(over)])
}

#[test]
fn mappings_merge_and_scalars_are_replaced() {
    let m = merged(
        "services:\n  web:\n    image: a:1\n    restart: always\n",
        "services:\n  web:\n    image: a:2\n    read_only: true\n  db:\n    image: pg:16\n",
    );
    assert_eq!(m["services"]["web"]["image"], "a:2");
    assert_eq!(m["services"]["web"]["restart"], "always");
    assert_eq!(m["services"]["web"]["read_only"], true);
    assert_eq!(m["services"]["db"]["image"], "pg:16");
}

#[test]
fn commands_and_healthcheck_tests_are_replaced_other_sequences_appended() {
    let m = merged(
        "services:\n  web:\n    command: [a, b]\n    healthcheck: {test: [CMD, x], retries: 3}\n    dns: [1.1.1.1]\n    cap_drop: [ALL]\n",
        "services:\n  web:\n    command: [c]\n    healthcheck: {test: [CMD, y]}\n    dns: [8.8.8.8]\n    cap_drop: [ALL]\n",
    );
    let web = &m["services"]["web"];
    assert_eq!(web["command"], y("[c]"));
    assert_eq!(web["healthcheck"]["test"], y("[CMD, y]"));
    assert_eq!(web["healthcheck"]["retries"], 3);
    assert_eq!(web["dns"], y("[1.1.1.1, 8.8.8.8]"));
    assert_eq!(web["cap_drop"], y("[ALL]"));
}

#[test]
fn environment_and_labels_merge_as_mappings_in_either_form() {
    let m = merged(
        "services:\n  web:\n    environment: [A=1, B=2]\n    labels: {x: '1'}\n    depends_on: [db]\n",
        "services:\n  web:\n    environment: {B: '3', C: '4'}\n    labels: [y=2]\n    depends_on: {cache: {condition: service_healthy}}\n",
    );
    let web = &m["services"]["web"];
    assert_eq!(web["environment"], y("{A: '1', B: '3', C: '4'}"));
    assert_eq!(web["labels"], y("{x: '1', y: '2'}"));
    assert_eq!(web["depends_on"]["db"]["condition"], "service_started");
    assert_eq!(web["depends_on"]["cache"]["condition"], "service_healthy");
}

#[test]
fn unique_resources_are_replaced_by_key() {
    let m = merged(
        "services:\n  web:\n    ports: ['8080:80', '127.0.0.1:9000:9000']\n    volumes: ['./src:/app', 'data:/data']\n    secrets: [token]\n",
        "services:\n  web:\n    ports: ['8080:80', '9090:90']\n    volumes: ['./other:/app']\n    secrets: [{source: token, target: token}, key]\n",
    );
    let web = &m["services"]["web"];
    assert_eq!(
        web["ports"],
        y("['8080:80', '127.0.0.1:9000:9000', '9090:90']")
    );
    assert_eq!(web["volumes"], y("['./other:/app', 'data:/data']"));
    assert_eq!(web["secrets"].as_sequence().unwrap().len(), 2);
}

#[test]
fn reset_removes_and_override_replaces() {
    let m = merged(
        "services:\n  web:\n    ports: ['8080:80']\n    environment: {A: '1'}\n    volumes: ['./src:/app']\nvolumes:\n  data:\n",
        "services:\n  web:\n    ports: !reset []\n    environment: !override {B: '2'}\n",
    );
    let web = &m["services"]["web"];
    assert!(web.get("ports").is_none(), "{web:?}");
    assert_eq!(web["environment"], y("{B: '2'}"));
    assert_eq!(web["volumes"], y("['./src:/app']"));
    // A plain null (a named volume with no options) stays.
    assert!(m["volumes"].as_mapping().unwrap().contains_key("data"));
}

#[test]
fn three_files_merge_in_order() {
    let m = merge_all(
        y("services:\n  web:\n    image: a:1\n"),
        [
            y("services:\n  web:\n    image: a:2\n"),
            y("services:\n  web:\n    image: a:3\n"),
        ],
    );
    assert_eq!(m["services"]["web"]["image"], "a:3");
}
