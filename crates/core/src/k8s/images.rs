//! What Berth knows about common off-the-shelf images (pure): which are backing services
//! (databases, caches, queues), and for the official ones the user they run as and the paths
//! they write outside their data volume, so the manifests can pin a non-root `runAsUser` and
//! mount an `emptyDir` where a read-only root filesystem would break them. From each image's
//! Dockerfile on Docker Hub (`docker-library`); an image not listed is left to its own USER.

/// The user an image runs as and where it writes besides its data volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageUser {
    pub uid: i64,
    pub gid: i64,
    /// Paths the image writes at run time (besides /tmp and its data volume).
    pub writable: &'static [&'static str],
}

/// The repository's last path component without tag or digest
/// (`docker.io/library/postgres:16-alpine` -> `postgres`, `bitnami/redis` -> `redis`).
pub fn short_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// The repository without registry, `library/` and tag (`docker.io/library/postgres:16` ->
/// `postgres`, `nginxinc/nginx-unprivileged:1` -> `nginxinc/nginx-unprivileged`).
pub fn repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = no_digest.split('/').collect();
    let registry = |p: &str| p.contains('.') || p.contains(':') || p == "localhost";
    if parts.len() > 1 && registry(parts[0]) {
        parts.remove(0);
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    if let Some(last) = parts.last_mut() {
        *last = last.split(':').next().unwrap_or(last);
    }
    parts.join("/")
}

/// The tag (`latest` when none is written).
pub fn tag(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map(|(_, t)| t).unwrap_or("latest")
}

/// The kind of backing service an image is (`database`, `cache`, `queue`, `search`,
/// `storage`), by its short name; None for anything else.
pub fn backing_kind(image: &str) -> Option<&'static str> {
    let name = short_name(image);
    const KINDS: &[(&str, &[&str])] = &[
        (
            "database",
            &[
                "postgres",
                "postgresql",
                "postgis",
                "mysql",
                "mariadb",
                "mongo",
                "mongodb",
                "cassandra",
                "clickhouse",
                "clickhouse-server",
                "cockroach",
                "couchdb",
                "neo4j",
                "timescaledb",
            ],
        ),
        (
            "cache",
            &["redis", "valkey", "memcached", "keydb", "dragonfly"],
        ),
        (
            "queue",
            &[
                "rabbitmq",
                "kafka",
                "nats",
                "zookeeper",
                "activemq",
                "artemis",
                "redpanda",
            ],
        ),
        (
            "search",
            &[
                "elasticsearch",
                "opensearch",
                "meilisearch",
                "typesense",
                "solr",
            ],
        ),
        ("storage", &["minio", "etcd", "consul"]),
    ];
    KINDS
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(kind, _)| *kind)
}

/// The user of an official image Berth knows, None for any other image.
pub fn known_user(image: &str) -> Option<ImageUser> {
    let alpine = tag(image).contains("alpine");
    let user = |uid, gid, writable| Some(ImageUser { uid, gid, writable });
    match repository(image).as_str() {
        // postgres: `postgres` is 999 on Debian, 70 on Alpine; the socket lives in
        // /var/run/postgresql.
        "postgres" if alpine => user(70, 70, &["/var/run/postgresql"]),
        "postgres" => user(999, 999, &["/var/run/postgresql"]),
        // redis: uid 999 (group 1000 on Alpine, 999 on Debian); writes /data.
        "redis" if alpine => user(999, 1000, &["/data"]),
        "redis" | "valkey/valkey" => user(999, 999, &["/data"]),
        "mysql" => user(999, 999, &["/var/run/mysqld"]),
        "mariadb" => user(999, 999, &["/run/mysqld"]),
        "mongo" => user(999, 999, &["/data/configdb"]),
        "rabbitmq" => user(999, 999, &["/var/lib/rabbitmq"]),
        "memcached" => user(11211, 11211, &[]),
        // The rootless Gitea image: uid 1000, writes its config under /etc/gitea.
        "gitea/gitea" if tag(image).contains("rootless") => user(1000, 1000, &["/etc/gitea"]),
        "nginxinc/nginx-unprivileged" => user(101, 101, &["/var/cache/nginx"]),
        _ => None,
    }
}

/// The port a backing service listens on when the compose file publishes none.
pub fn default_port(image: &str) -> Option<u16> {
    Some(match short_name(image) {
        "postgres" | "postgresql" | "postgis" | "timescaledb" => 5432,
        "mysql" | "mariadb" => 3306,
        "mongo" | "mongodb" => 27017,
        "redis" | "valkey" | "keydb" | "dragonfly" => 6379,
        "memcached" => 11211,
        "rabbitmq" => 5672,
        "elasticsearch" | "opensearch" => 9200,
        "nats" => 4222,
        "minio" => 9000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_kinds() {
        assert_eq!(
            short_name("docker.io/library/postgres:16-alpine"),
            "postgres"
        );
        assert_eq!(
            repository("docker.io/library/postgres:16-alpine"),
            "postgres"
        );
        assert_eq!(repository("localhost:5000/team/app:1"), "team/app");
        assert_eq!(
            repository("nginxinc/nginx-unprivileged"),
            "nginxinc/nginx-unprivileged"
        );
        assert_eq!(repository("redis@sha256:abc"), "redis");
        assert_eq!(tag("postgres:16-alpine"), "16-alpine");
        assert_eq!(tag("localhost:5000/app"), "latest");
        assert_eq!(backing_kind("bitnami/postgresql:16"), Some("database"));
        assert_eq!(backing_kind("redis:7"), Some("cache"));
        assert_eq!(backing_kind("ghcr.io/acme/api:1"), None);
        assert_eq!(known_user("postgres:16-alpine").map(|u| u.uid), Some(70));
        assert_eq!(known_user("postgres:16").map(|u| u.uid), Some(999));
        assert_eq!(known_user("bitnami/postgresql:16"), None);
        assert_eq!(default_port("postgres:16"), Some(5432));
        assert_eq!(default_port("ghcr.io/acme/api"), None);
    }
}
