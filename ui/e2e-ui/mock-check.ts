// The Check commands for the fast UI test, answering like src-tauri/src/check.rs does: the
// Flask project's own Dockerfile, the files a run builds (clean, or critical when the test
// asks), an image with its layers, and a container's applied settings. The findings are the
// ones Berth reports for these inputs (ids, refs and fixes as in crates/core/src/check/rules.rs).
import type { Finding } from '../src/lib/bindings/Finding';
import type { FolderCheck } from '../src/lib/bindings/FolderCheck';
import type { ImageCheck } from '../src/lib/bindings/ImageCheck';
import type { Report } from '../src/lib/bindings/Report';

export const checkControls = {
  /** The next preflight_check finds a critical problem (the Docker socket mounted). */
  criticalPreflight: false,
};

const ROOT = '/projects/flask-redis';
const DOCKERFILE = 'FROM python:3.9\nCOPY . .\nCMD ["python", "app.py"]\n';

function report(target: string, findings: Finding[]): Report {
  const summary = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  return { target, findings, summary };
}

const F = {
  noUser: (file: string): Finding => ({
    id: 'BERTH-DF-004',
    severity: 'high',
    title: 'The image runs as root (no USER)',
    detail: 'the final stage (`FROM python:3.9`) never switches to a non-root USER',
    fix: 'Create an unprivileged user and switch to it in the final stage: `RUN useradd --uid 10001 app` then `USER 10001`.',
    refs: ['CKV_DOCKER_3', 'CIS-DI-0001', 'AVD-DS-0002'],
    location: { file, line: 1 },
  }),
  toolchain: (file: string): Finding => ({
    id: 'BERTH-DF-026',
    severity: 'medium',
    title: 'The build toolchain ends up in the runtime image',
    detail: '`FROM python:3.9` is a full build image; the final image keeps the compiler and build dependencies',
    fix: 'Build in a first stage and copy only the result into a slim runtime stage.',
    refs: [],
    location: { file, line: 1 },
  }),
  shellForm: (file: string): Finding => ({
    id: 'BERTH-DF-025',
    severity: 'low',
    title: 'No HEALTHCHECK',
    detail: 'the final stage (`FROM python:3.9`) has no HEALTHCHECK',
    fix: 'Add `HEALTHCHECK CMD ["/path/to/probe"]` to the final stage so the engine knows when the app is healthy.',
    refs: ['DL3057', 'CKV_DOCKER_2', 'CIS-DI-0006', 'AVD-DS-0026'],
    location: { file, line: 1 },
  }),
  copyFirst: (file: string): Finding => ({
    id: 'BERTH-DF-003',
    severity: 'info',
    title: 'Base image is not pinned by digest',
    detail: '`FROM python:3.9` has no @sha256 digest',
    fix: 'For reproducible builds pin the digest too: `FROM image:tag@sha256:...` (update it with a bot).',
    refs: [],
    location: { file, line: 1 },
  }),
  socket: (): Finding => ({
    id: 'BERTH-RT-010',
    severity: 'critical',
    title: 'The Docker socket is mounted',
    detail: 'service `app`: `/var/run/docker.sock` mounted at /var/run/docker.sock',
    fix: 'Do not mount /var/run/docker.sock: it gives the container root on the host. Use a socket proxy that allows only the calls needed.',
    refs: ['CIS-5.32'],
    location: { file: 'compose.yaml', line: 9 },
  }),
};

function imageCheck(image: string): ImageCheck {
  const at = (layer: number | null, path: string) => ({ image, layer, path });
  const findings: Finding[] = [
    {
      id: 'BERTH-IM-003',
      severity: 'critical',
      title: 'A private key or cloud credential is in a layer',
      detail: '/app/deploy/id_rsa: an SSH private key; deleted in layer 6 but still in layer 5, readable by anyone who pulls the image',
      fix: 'Remove it from the build (a later `rm` does not remove it from the earlier layer), rotate it, and use `RUN --mount=type=secret` for build steps that need it.',
      refs: ['CIS-DI-0010'],
      location: at(5, '/app/deploy/id_rsa'),
    },
    {
      id: 'BERTH-IM-001',
      severity: 'high',
      title: 'The image runs as root',
      detail: 'the image runs as no USER: root',
      fix: "Add a non-root `USER` to the image's final stage.",
      refs: ['CIS-DI-0001', 'AVD-DS-0002'],
      location: at(null, 'config.User'),
    },
    {
      id: 'BERTH-IM-007',
      severity: 'low',
      title: 'Package-manager caches are left in the image',
      detail: 'apt lists: 18.6 MB in the final image',
      fix: 'Clean them in the RUN that made them (`rm -rf /var/lib/apt/lists/*`, `pip --no-cache-dir`, `npm cache clean --force`) or use cache mounts.',
      refs: ['DKL-DI-0005'],
      location: at(4, '/var/lib/apt/lists/'),
    },
    {
      id: 'BERTH-IM-002',
      severity: 'low',
      title: 'setuid or setgid file',
      detail: '/usr/bin/passwd is setuid',
      fix: 'Remove the bit where it is not needed: `RUN chmod a-s FILE` (or remove the package).',
      refs: ['CIS-DI-0008'],
      location: at(0, '/usr/bin/passwd'),
    },
    {
      id: 'BERTH-IM-010',
      severity: 'info',
      title: 'The image is larger than the 100 MB target',
      detail: '412 MB against the 100 MB target',
      fix: 'See `berth image REF` for where the size goes and the biggest wins.',
      refs: [],
      location: at(null, 'size'),
    },
  ];
  const layers = [
    { created_by: 'ADD debian-bookworm-rootfs.tar.xz /', size_bytes: 74_800_000, files_added: 3412, wasted_bytes: 0 },
    { created_by: 'RUN set -eux; apt-get update; apt-get install -y ca-certificates netbase', size_bytes: 3_400_000, files_added: 140, wasted_bytes: 0 },
    { created_by: 'RUN /bin/sh -c set -eux; ./configure && make && make install  # python 3.9', size_bytes: 52_100_000, files_added: 4870, wasted_bytes: 9_800_000 },
    { created_by: 'WORKDIR /app', size_bytes: 0, files_added: 0, wasted_bytes: 0 },
    { created_by: 'RUN apt-get update && apt-get install -y build-essential libpq-dev', size_bytes: 236_000_000, files_added: 10_231, wasted_bytes: 0 },
    { created_by: 'COPY . .', size_bytes: 14_300_000, files_added: 212, wasted_bytes: 3_200 },
    { created_by: 'RUN pip install -r requirements.txt && rm deploy/id_rsa', size_bytes: 31_400_000, files_added: 1840, wasted_bytes: 0 },
  ];
  return {
    report: report(image, findings),
    analysis: {
      image,
      size_bytes: layers.reduce((s, l) => s + l.size_bytes, 0),
      target_bytes: 100_000_000,
      meets_target: false,
      layers,
      wasted_bytes: 9_803_200,
      largest_files: [
        { path: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', size_bytes: 34_200_000, layer: 4 },
        { path: '/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1', size_bytes: 28_100_000, layer: 4 },
      ],
      suggestions: [
        { text: 'the build toolchain is in the runtime image (C headers, gcc): 187 MB — build in a separate stage and copy only the output', bytes: 187_000_000 },
        { text: "the base image's first layer: 75 MB — a slim, alpine or distroless base is smaller", bytes: 74_800_000 },
        { text: 'apt lists left: 19 MB — clean them in the RUN that made them', bytes: 18_600_000 },
        { text: 'files overwritten or deleted by later layers: 10 MB — remove them in the layer that creates them', bytes: 9_803_200 },
      ],
    },
  };
}

function containerReport(name: string): Report {
  const at = (setting: string) => ({ container: name, setting });
  return report(name, [
    {
      id: 'BERTH-RT-001',
      severity: 'critical',
      title: 'Privileged container',
      detail: 'privileged: every capability and every device of the host',
      fix: 'Remove `privileged: true`; add only the capability the service needs with `cap_add`.',
      refs: ['CIS-5.5'],
      location: at('HostConfig.Privileged'),
    },
    {
      id: 'BERTH-RT-013',
      severity: 'medium',
      title: 'A database port is published on every interface',
      detail: 'container port 5432 published on every interface as 5432',
      fix: 'Publish it on loopback only (`127.0.0.1:5432:5432`) or not at all: services reach it over the compose network.',
      refs: ['CIS-5.14'],
      location: at('HostConfig.PortBindings'),
    },
    {
      id: 'BERTH-RT-014',
      severity: 'low',
      title: 'No memory limit',
      detail: 'no memory limit',
      fix: 'Set `deploy.resources.limits.memory` (or `mem_limit`), for example `512m`.',
      refs: ['CIS-5.11'],
      location: at('HostConfig.Memory'),
    },
  ]);
}

export function checkCommand(cmd: string, a: Record<string, unknown>): { handled: boolean; value?: unknown } {
  switch (cmd) {
    case 'check_folder': {
      if (a.root !== ROOT) throw { kind: 'not_found', message: `${String(a.root)} is not open in Berth: open the folder first` };
      const value: FolderCheck = {
        report: report(ROOT, [F.noUser('Dockerfile'), F.toolchain('Dockerfile'), F.shellForm('Dockerfile'), F.copyFirst('Dockerfile')]),
        files: [{ path: 'Dockerfile', text: DOCKERFILE }],
      };
      return { handled: true, value };
    }
    case 'preflight_check':
      return {
        handled: true,
        value: checkControls.criticalPreflight ? report(ROOT, [F.socket(), F.noUser('Dockerfile')]) : report(ROOT, []),
      };
    case 'check_image':
      if (String(a.reference).startsWith('missing')) {
        throw { kind: 'invalid_input', message: `no image ${String(a.reference)} on this engine: build or pull it first` };
      }
      return { handled: true, value: imageCheck(String(a.reference)) };
    case 'check_container':
      return { handled: true, value: containerReport(String(a.name)) };
    default:
      return { handled: false };
  }
}
