//! The rule registry: every check Berth makes, with its stable id, severity, title, fix and
//! the standard identifiers it corresponds to, written as their sources write them:
//! hadolint (`DL3007`), checkov (`CKV_DOCKER_3`, `CKV2_DOCKER_1`, `CKV_SECRET_2`), dockle
//! (`CIS-DI-0001`, `DKL-DI-0005`), trivy (`AVD-DS-0002`, the alias trivy-checks gives its
//! `DS-0002`), and docker-bench-security's numbering of the CIS Docker Benchmark v1.6.0
//! section 5 (`CIS-5.5` privileged, `CIS-5.32` Docker socket). docs/check.md lists the
//! sources and their versions.
//!
//! Ids never change meaning; a retired rule's id is not reused.

use super::{Finding, Location, Severity};

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Dockerfile,
    /// A compose service as written, or a container as it runs.
    Runtime,
    Image,
}

/// One check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub scope: Scope,
    pub severity: Severity,
    pub title: &'static str,
    pub fix: &'static str,
    pub refs: &'static [&'static str],
}

impl Rule {
    /// A finding of this rule at `location`.
    pub fn at(&self, location: Location, detail: impl Into<String>) -> Finding {
        Finding {
            id: self.id.to_string(),
            severity: self.severity,
            title: self.title.to_string(),
            detail: detail.into(),
            fix: self.fix.to_string(),
            refs: self.refs.iter().map(|r| r.to_string()).collect(),
            location,
        }
    }

    /// A finding that corresponds to only some of the rule's refs (the TLS rule's curl
    /// check is checkov's `CKV2_DOCKER_2`, its wget check `CKV2_DOCKER_3`).
    pub fn at_with_refs(
        &self,
        location: Location,
        detail: impl Into<String>,
        refs: &[&str],
    ) -> Finding {
        let mut f = self.at(location, detail);
        f.refs = refs.iter().map(|r| r.to_string()).collect();
        f
    }
}

macro_rules! rules {
    ($( $name:ident = $id:literal, $scope:ident, $sev:ident, $title:literal, $fix:literal, [$($r:literal),*]; )*) => {
        $( pub const $name: Rule = Rule {
            id: $id,
            scope: Scope::$scope,
            severity: Severity::$sev,
            title: $title,
            fix: $fix,
            refs: &[$($r),*],
        }; )*
        /// Every rule, in id order.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    DF_NO_TAG = "BERTH-DF-001", Dockerfile, Medium, "Base image has no tag",
        "Name a version: `FROM python:3.12-slim` instead of `FROM python`.",
        ["DL3006", "CKV_DOCKER_7", "AVD-DS-0001"];
    DF_LATEST = "BERTH-DF-002", Dockerfile, Medium, "Base image uses the `latest` tag",
        "Pin a release tag (`node:22-slim`); `latest` changes under you between builds.",
        ["DL3007", "CKV_DOCKER_7", "DKL-DI-0006", "AVD-DS-0001"];
    DF_NO_DIGEST = "BERTH-DF-003", Dockerfile, Info, "Base image is not pinned by digest",
        "For reproducible builds pin the digest too: `FROM image:tag@sha256:...` (update it with a bot).",
        [];
    DF_NO_USER = "BERTH-DF-004", Dockerfile, High, "The image runs as root (no USER)",
        "Create an unprivileged user and switch to it in the final stage: `RUN useradd --uid 10001 app` then `USER 10001`.",
        ["CKV_DOCKER_3", "CIS-DI-0001", "AVD-DS-0002"];
    DF_ROOT_USER = "BERTH-DF-005", Dockerfile, High, "The last USER is root",
        "End the final stage with a non-root `USER` (a numeric uid such as `USER 10001`).",
        ["DL3002", "CKV_DOCKER_8", "AVD-DS-0002"];
    DF_SECRET_ENV = "BERTH-DF-006", Dockerfile, High, "A secret is set in ENV or ARG",
        "Never bake secrets into an image: pass them at run time (environment, secrets) or at build time with `RUN --mount=type=secret`.",
        ["DL3064", "CIS-DI-0010", "AVD-DS-0031"];
    DF_CREDENTIAL = "BERTH-DF-007", Dockerfile, Critical, "A credential is written in the Dockerfile",
        "Remove it, rotate it (it is in the image history and in version control), and pass it with `RUN --mount=type=secret` or at run time.",
        ["DL3064", "CIS-DI-0010", "AVD-DS-0031"];
    DF_SECRET_ARG = "BERTH-DF-008", Dockerfile, Medium, "A secret is passed as a build argument",
        "Build arguments are kept in the image history: use `RUN --mount=type=secret,id=...` instead.",
        ["DL3064", "AVD-DS-0031"];
    DF_SECRET_COPY = "BERTH-DF-009", Dockerfile, High, "A secret-looking file is copied into the image",
        "Keep keys and credential files out of the build context (.dockerignore) and mount them with `RUN --mount=type=secret` where a step needs them.",
        ["CIS-DI-0010", "AVD-DS-0031"];
    DF_ADD_URL = "BERTH-DF-010", Dockerfile, Medium, "ADD downloads from a URL",
        "Download in a RUN step with a checksum check (`curl -fsSLo f URL && echo 'SHA256  f' | sha256sum -c`), or `ADD --checksum=sha256:...`.",
        ["CKV_DOCKER_4", "CIS-DI-0009"];
    DF_ADD_LOCAL = "BERTH-DF-011", Dockerfile, Low, "ADD where COPY serves",
        "Use COPY for local files and folders; ADD also unpacks archives and fetches URLs, which is rarely what is meant.",
        ["DL3020", "CKV_DOCKER_4", "CIS-DI-0009", "AVD-DS-0005"];
    DF_PIPE_SHELL = "BERTH-DF-012", Dockerfile, High, "A downloaded script is piped into a shell",
        "Download to a file, verify its checksum or signature, then run it; or install the tool from a package manager.",
        [];
    DF_UPDATE_ALONE = "BERTH-DF-013", Dockerfile, Medium, "Package index update alone in a RUN",
        "Update and install in the same RUN (`apt-get update && apt-get install -y ...`); alone, a cached update layer installs stale packages.",
        ["CKV_DOCKER_5", "CIS-DI-0007", "AVD-DS-0017"];
    DF_NO_RECOMMENDS = "BERTH-DF-014", Dockerfile, Low, "apt-get install without --no-install-recommends",
        "Add `--no-install-recommends` to install only what you name.",
        ["DL3015", "AVD-DS-0029"];
    DF_APT_UNPINNED = "BERTH-DF-015", Dockerfile, Low, "apt-get install of unpinned packages",
        "Pin versions (`curl=7.88.1-10+deb12u5`) for reproducible images, or accept the drift knowingly.",
        ["DL3008"];
    DF_APT_LISTS = "BERTH-DF-016", Dockerfile, Low, "apt lists are left in the image",
        "End the RUN with `&& rm -rf /var/lib/apt/lists/*`, or use a cache mount (`--mount=type=cache,target=/var/lib/apt`).",
        ["DL3009", "DKL-DI-0005"];
    DF_APT_YES = "BERTH-DF-017", Dockerfile, Low, "apt-get install without -y",
        "Add `-y` so the build never waits for an answer.",
        ["DL3014", "AVD-DS-0021"];
    DF_APK_NO_CACHE = "BERTH-DF-018", Dockerfile, Low, "apk add without --no-cache",
        "Use `apk add --no-cache ...` so the package index is not kept in the image.",
        ["DL3019", "DKL-DI-0004", "AVD-DS-0025"];
    DF_APK_UNPINNED = "BERTH-DF-019", Dockerfile, Low, "apk add of unpinned packages",
        "Pin versions (`apk add curl=8.5.0-r0`) for reproducible images.",
        ["DL3018"];
    DF_PIP_CACHE = "BERTH-DF-020", Dockerfile, Low, "pip install keeps its cache",
        "Add `--no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`), or use a cache mount (`--mount=type=cache,target=/root/.cache/pip`).",
        ["DL3042"];
    DF_SUDO = "BERTH-DF-021", Dockerfile, High, "sudo is used",
        "Build steps already run as root until USER: drop sudo; switch users with USER, or gosu in an entrypoint.",
        ["DL3004", "CKV2_DOCKER_1", "DKL-DI-0001", "AVD-DS-0010"];
    DF_WORKDIR_RELATIVE = "BERTH-DF-022", Dockerfile, Low, "WORKDIR is a relative path",
        "Use an absolute path (`WORKDIR /app`); a relative one depends on every WORKDIR before it.",
        ["DL3000", "CKV_DOCKER_10", "AVD-DS-0009"];
    DF_SHELL_FORM = "BERTH-DF-023", Dockerfile, Low, "CMD or ENTRYPOINT in shell form",
        "Use the exec (JSON) form, `CMD [\"app\", \"--port\", \"8000\"]`, so the process gets signals and stops cleanly.",
        ["DL3025"];
    DF_EXPOSE_22 = "BERTH-DF-024", Dockerfile, Medium, "Port 22 (SSH) is exposed",
        "Do not run sshd in a container; use `docker exec` to get a shell.",
        ["CKV_DOCKER_1", "AVD-DS-0004"];
    DF_NO_HEALTHCHECK = "BERTH-DF-025", Dockerfile, Low, "No HEALTHCHECK",
        "Add `HEALTHCHECK CMD [\"/path/to/probe\"]` to the final stage so the engine knows when the app is healthy.",
        ["DL3057", "CKV_DOCKER_2", "CIS-DI-0006", "AVD-DS-0026"];
    DF_TOOLCHAIN = "BERTH-DF-026", Dockerfile, Medium, "The build toolchain ends up in the runtime image",
        "Build in a first stage (`FROM golang:1.22 AS build`) and copy only the result into a slim runtime stage (`COPY --from=build /out/app /app`).",
        [];
    DF_COPY_ALL_FIRST = "BERTH-DF-027", Dockerfile, Low, "The whole context is copied before installing dependencies",
        "Copy the dependency manifests first (`COPY package.json package-lock.json ./`), install, then `COPY . .`, so a code edit does not reinstall everything.",
        [];
    DF_UPGRADE = "BERTH-DF-028", Dockerfile, Low, "apt-get upgrade or dist-upgrade",
        "Pick a newer base image instead of upgrading packages in a layer.",
        ["DKL-DI-0003", "AVD-DS-0024"];
    DF_MAINTAINER = "BERTH-DF-029", Dockerfile, Info, "MAINTAINER is deprecated",
        "Use `LABEL org.opencontainers.image.authors=\"...\"`.",
        ["DL4000", "CKV_DOCKER_6", "AVD-DS-0022"];
    DF_TLS_OFF = "BERTH-DF-030", Dockerfile, High, "TLS certificate checks are turned off",
        "Remove the option; install the CA certificate the download needs instead (`ca-certificates`, or COPY your CA and run update-ca-certificates).",
        ["CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_5", "CKV2_DOCKER_6"];
    DF_APT = "BERTH-DF-031", Dockerfile, Low, "apt is used instead of apt-get",
        "Use `apt-get` (apt's interface is meant for people and may change).",
        ["DL3027", "CKV_DOCKER_9"];
    DF_PIPEFAIL = "BERTH-DF-032", Dockerfile, Low, "A RUN pipe without pipefail",
        "Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (or `set -o pipefail &&` in the RUN) so a failing command before `|` fails the build.",
        ["DL4006"];

    RT_PRIVILEGED = "BERTH-RT-001", Runtime, Critical, "Privileged container",
        "Remove `privileged: true`; add only the capability the service needs with `cap_add`.",
        ["CIS-5.5"];
    RT_HOST_NETWORK = "BERTH-RT-002", Runtime, High, "The host's network namespace is shared",
        "Remove `network_mode: host` and publish the ports the service needs.",
        ["CIS-5.10"];
    RT_HOST_PID = "BERTH-RT-003", Runtime, High, "The host's process namespace is shared",
        "Remove `pid: host`.",
        ["CIS-5.16"];
    RT_HOST_IPC = "BERTH-RT-004", Runtime, High, "The host's IPC namespace is shared",
        "Remove `ipc: host`.",
        ["CIS-5.17"];
    RT_HOST_UTS = "BERTH-RT-005", Runtime, Medium, "The host's UTS namespace is shared",
        "Remove `uts: host`.",
        ["CIS-5.21"];
    RT_HOST_USERNS = "BERTH-RT-006", Runtime, Medium, "The host's user namespace is shared",
        "Remove `userns_mode: host`.",
        ["CIS-5.31"];
    RT_CAP_ADD = "BERTH-RT-007", Runtime, High, "A dangerous capability is added",
        "Drop it from `cap_add`; start from `cap_drop: [ALL]` and add back only what the service needs (for example NET_BIND_SERVICE).",
        ["CIS-5.4"];
    RT_SECCOMP_OFF = "BERTH-RT-008", Runtime, High, "The seccomp profile is disabled",
        "Remove `seccomp:unconfined` from `security_opt`; write a custom profile if a syscall is really needed.",
        ["CIS-5.22"];
    RT_APPARMOR_OFF = "BERTH-RT-009", Runtime, High, "The AppArmor profile is disabled",
        "Remove `apparmor:unconfined` from `security_opt`.",
        ["CIS-5.2"];
    RT_DOCKER_SOCKET = "BERTH-RT-010", Runtime, Critical, "The Docker socket is mounted",
        "Do not mount /var/run/docker.sock: it gives the container root on the host. Use a socket proxy that allows only the calls needed.",
        ["CIS-5.32"];
    RT_SENSITIVE_MOUNT = "BERTH-RT-011", Runtime, High, "A sensitive host path is mounted",
        "Mount only the project folder or a named volume, never /, /etc, /proc, /sys, /dev, /boot, /root or /var/lib/docker.",
        ["CIS-5.6"];
    RT_SECRET_ENV = "BERTH-RT-012", Runtime, High, "A secret is written as a plain environment value",
        "Use `secrets:` (mounted as files), or `${VAR}` interpolated from an .env file kept out of version control.",
        [];
    RT_DB_PORT_ALL = "BERTH-RT-013", Runtime, Medium, "A database port is published on every interface",
        "Publish it on loopback only (`127.0.0.1:5432:5432`) or not at all: services reach it over the compose network.",
        ["CIS-5.14"];
    RT_NO_MEMORY = "BERTH-RT-014", Runtime, Low, "No memory limit",
        "Set `deploy.resources.limits.memory` (or `mem_limit`), for example `512m`.",
        ["CIS-5.11"];
    RT_NO_PIDS = "BERTH-RT-015", Runtime, Low, "No PIDs limit",
        "Set `pids_limit` (for example 200) so a fork bomb cannot exhaust the host.",
        ["CIS-5.29"];
    RT_NO_HEALTHCHECK = "BERTH-RT-016", Runtime, Low, "No health check",
        "Add a `healthcheck:` (or a HEALTHCHECK in the image) so the engine and depends_on know when it is ready.",
        ["CIS-5.27"];
    RT_LATEST = "BERTH-RT-017", Runtime, Medium, "Image without a tag or with `latest`",
        "Pin a release tag (`postgres:16-alpine`).",
        ["DKL-DI-0006"];
    RT_NO_RESTART = "BERTH-RT-018", Runtime, Info, "No restart policy",
        "Set `restart: unless-stopped` (or `on-failure:5`) so the service comes back after a crash or a reboot.",
        ["CIS-5.15"];
    RT_NEW_PRIVILEGES = "BERTH-RT-019", Runtime, Low, "Processes may gain new privileges",
        "Add `security_opt: [\"no-new-privileges:true\"]`.",
        ["CIS-5.26"];
    RT_WRITABLE_ROOT = "BERTH-RT-020", Runtime, Info, "The root filesystem is writable",
        "Set `read_only: true` and give writable paths a tmpfs or a volume.",
        ["CIS-5.13"];
    RT_DEVICES = "BERTH-RT-021", Runtime, Medium, "A host device is exposed",
        "Remove the `devices:` entry unless the service truly drives that hardware.",
        ["CIS-5.18"];
    RT_SHARED_PROPAGATION = "BERTH-RT-022", Runtime, Medium, "A mount uses shared propagation",
        "Use the default (private) propagation.",
        ["CIS-5.20"];
    RT_PRIVILEGED_PORT = "BERTH-RT-023", Runtime, Low, "A privileged host port (below 1024) is published",
        "Publish on a port of 1024 or above (`8080:80`) unless the service must own that port.",
        ["CIS-5.8"];
    RT_ROOT_USER = "BERTH-RT-024", Runtime, Medium, "Runs as root",
        "Run as an unprivileged user (`user: \"10001\"`, or USER in the image).",
        ["CIS-DI-0001"];
    RT_CREDENTIAL = "BERTH-RT-025", Runtime, Critical, "A credential is written in the environment",
        "Remove it from the file, rotate it, and pass it through `secrets:` or an .env file kept out of version control.",
        [];
    RT_DEV_PASSWORD = "BERTH-RT-026", Runtime, Low, "A well-known development password",
        "Fine on this machine; before deploying, set a real one through `${VAR}` from an .env file or `secrets:`.",
        [];

    IM_ROOT = "BERTH-IM-001", Image, High, "The image runs as root",
        "Add a non-root `USER` to the image's final stage.",
        ["CIS-DI-0001", "AVD-DS-0002"];
    IM_SETUID = "BERTH-IM-002", Image, Low, "setuid or setgid file",
        "Remove the bit where it is not needed: `RUN chmod a-s FILE` (or remove the package).",
        ["CIS-DI-0008"];
    IM_PRIVATE_KEY = "BERTH-IM-003", Image, Critical, "A private key or cloud credential is in a layer",
        "Remove it from the build (a later `rm` does not remove it from the earlier layer), rotate it, and use `RUN --mount=type=secret` for build steps that need it.",
        ["CIS-DI-0010"];
    IM_SECRET_FILE = "BERTH-IM-004", Image, High, "A secret-looking file is in a layer",
        "Keep it out of the build context (.dockerignore); a file deleted in a later layer is still in the image.",
        ["CIS-DI-0010"];
    IM_SECRET_ENV = "BERTH-IM-005", Image, High, "A secret is set in the image's environment",
        "Remove the ENV from the Dockerfile and pass the value when the container starts.",
        ["CIS-DI-0010", "AVD-DS-0031"];
    IM_CREDENTIAL_ENV = "BERTH-IM-006", Image, Critical, "A credential is in the image's environment",
        "Remove it from the Dockerfile, rebuild, and rotate it: anyone who can pull the image can read it.",
        ["CIS-DI-0010", "AVD-DS-0031"];
    IM_CACHE = "BERTH-IM-007", Image, Low, "Package-manager caches are left in the image",
        "Clean them in the RUN that made them (`rm -rf /var/lib/apt/lists/*`, `pip --no-cache-dir`, `npm cache clean --force`) or use cache mounts.",
        ["DKL-DI-0005", "DKL-LI-0003"];
    IM_NO_HEALTHCHECK = "BERTH-IM-008", Image, Low, "The image has no HEALTHCHECK",
        "Add a HEALTHCHECK to the Dockerfile's final stage.",
        ["CIS-DI-0006"];
    IM_SENSITIVE_VOLUME = "BERTH-IM-009", Image, Medium, "A sensitive directory is declared as a VOLUME",
        "Remove the VOLUME for /dev, /proc, /sys or other system paths.",
        ["DKL-DI-0002"];
    IM_OVER_TARGET = "BERTH-IM-010", Image, Info, "The image is larger than the 100 MB target",
        "See `berth image REF` for where the size goes and the biggest wins.",
        [];
}

/// A rule by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
