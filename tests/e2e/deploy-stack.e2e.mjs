// End-to-end test of the Deploy panel deploying a stack (an app with a backing service) in the
// real desktop app, on the real engine. The temp project has its own compose.yaml: `app`
// (built from its Dockerfile: busybox httpd, healthy only when it reaches `store` by name)
// and `store` (a local busybox image serving /ok on 9000, with a named volume; no registry).
//   1. Deploy v1 to prod: the validations include the stack's `services`, the steps say the
//      store started, the URL answers v1; the store is not published on the host.
//   2. Deploy v2: the steps say the store keeps running, the URL answers v2, and the store is
//      the same container (same ID) as before.
// Everything labelled with the project folder (containers, images, networks, volumes) and the
// store image are removed at the end, also on failure; the history lives in a temporary
// BERTH_STATE_DIR. Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, rm, realpath, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, runSpec } from './harness.mjs';

const DOCKER = '/usr/bin/docker';
const until = poller(180000, 200);

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function docker(args) {
  return execFileSync(DOCKER, args, { encoding: 'utf8' }).trim();
}

function ids(args) {
  return docker(args).split(/\s+/).filter(Boolean);
}

/** The app: `body` on `/`, healthy only when `store` answers by name on the network. */
function dockerfile(body) {
  return [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /www && echo ${body} > /www/index.html"]`,
    'USER 65534',
    'EXPOSE 8080',
    'HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD ["/bin/busybox", "wget", "-q", "-O", "-", "http://store:9000/ok"]',
    `CMD ["/bin/busybox", "sh", "-c", "echo starting ${body}; exec /bin/busybox httpd -f -v -p 8080 -h /www"]`,
    '',
  ].join('\n');
}

function compose(port, storeImage) {
  return [
    'services:',
    '  app:',
    '    build: .',
    `    ports: ["127.0.0.1:${port}:8080"]`,
    '    depends_on: [store]',
    '  store:',
    `    image: ${storeImage}`,
    '    volumes: ["store-data:/data"]',
    'volumes:',
    '  store-data: {}',
    '',
  ].join('\n');
}

async function get(port) {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
  return res && res.ok ? (await res.text()).trim() : null;
}

const port = await freePort();
const project = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-stack-')));
const folder = join(project, 'shop');
const storeDir = join(project, 'store');
const state = join(project, 'state');
const storeImage = `berth-test/e2e-store:${process.pid}`;
await mkdir(folder);
await mkdir(storeDir);
await copyFile('/bin/busybox', join(folder, 'busybox'));
await copyFile('/bin/busybox', join(storeDir, 'busybox'));
await writeFile(join(folder, 'Dockerfile'), dockerfile('v1'));
await writeFile(join(folder, 'compose.yaml'), compose(port, storeImage));
await writeFile(
  join(storeDir, 'Dockerfile'),
  [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    `LABEL dev.berth.test="${storeImage}"`,
    'CMD ["/bin/busybox", "sh", "-c", "mkdir -p /data/www && echo ok > /data/www/ok && exec httpd -f -p 9000 -h /data/www"]',
    '',
  ].join('\n'),
);
process.env.BERTH_STATE_DIR = state;

function storeContainer() {
  const names = ids(['ps', '--format', '{{.Names}}', '--filter', `label=dev.berth.project=${folder}`]);
  const name = names.find((n) => n.endsWith('-prod-store'));
  return name ? { name, id: docker(['inspect', '-f', '{{.Id}}', name]) } : null;
}

await runSpec({
  failureShot: 'failure-deploy-stack.png',
  async setup() {
    docker(['build', '-q', '-t', storeImage, storeDir]);
  },
  async body({ find, text, click, exec, type }) {
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');
    await until('the project opened', () => find('#view-tab-run'));
    await click(await find('#view-tab-run'));
    await until('the Deploy panel with the engines', async () =>
      (await exec('return document.querySelectorAll("[data-testid=deploy-target] option").length')) >= 2,
    );
    assert.equal(await exec('return document.querySelector("[data-testid=deploy-env]").value'), 'prod');
    const outcome = () => exec('const o = document.querySelector("[data-testid=deploy-outcome]"); return o ? o.dataset.outcome : null');

    // 1. v1: the store starts, the app reaches it by name, the URL answers.
    await click(await find('[data-testid="deploy-button"]'));
    await until('v1 deployed', async () => (await outcome()) === 'deployed');
    assert.equal(await get(port), 'v1');
    const validations = await text('[data-testid="deploy-validations"]');
    assert.match(validations, /services/, validations);
    assert.match(validations, /store keeps running beside it/, validations);
    assert.match(await text('[data-testid="deploy-steps"]'), /store started/);
    const first = storeContainer();
    assert.ok(first, 'the store runs');
    assert.equal(docker(['port', first.name]), '', 'the store is not published on the host');

    // 2. v2: the store keeps running, untouched.
    await writeFile(join(folder, 'Dockerfile'), dockerfile('v2'));
    await click(await find('[data-testid="deploy-button"]'));
    await until('v2 deployed', async () => (await outcome()) === 'deployed' && (await get(port)) === 'v2');
    assert.match(await text('[data-testid="deploy-steps"]'), /store keeps running \(unchanged\)/);
    assert.equal(storeContainer()?.id, first.id, 'the store is the same container');
    return `a stack deployed from the panel: v1 then v2 rolled out while its store kept running (${first.name})`;
  },
  async cleanup() {
    try {
      const filter = `label=dev.berth.project=${folder}`;
      const cs = ids(['ps', '-aq', '--filter', filter]);
      if (cs.length) docker(['rm', '-f', ...cs]);
      const is = ids(['images', '-q', '--filter', filter]);
      if (is.length) docker(['rmi', '-f', ...new Set(is)]);
      for (const kind of ['network', 'volume']) {
        const xs = ids([kind, 'ls', '-q', '--filter', filter]);
        if (xs.length) docker([kind, 'rm', ...xs]);
      }
      docker(['rmi', '-f', storeImage]);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  },
});
