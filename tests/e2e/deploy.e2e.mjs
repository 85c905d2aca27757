// End-to-end test of the Deploy panel in the real desktop app, on the real engine, with a
// notification daemon (dunst) on the spec's session bus: a temp busybox project with its own
// Dockerfile (busybox httpd on a free port P, /health, a HEALTHCHECK; no registry).
//   1. Deploy v1 to prod on the engine in use: the validations, "Deployed", the URL answers
//      v1 (fetched for real), the history lists it, dunst got "Deployed <version> (prod)".
//   2. Deploy a broken v2 (no /health): "Rolled back" with the reason and the new version's
//      last log lines, while v1 keeps answering on P the whole time (polled throughout);
//      dunst got "... rolled back (prod)"; the history lists both; one container runs.
//   3. Deploy a good v3, then Roll back (by keyboard): v1 answers again, the history has 4.
//   4. Deploy v4 (on another port Q) to a second engine typed into the panel (the second
//      dockerd of scripts/second-dockerd.sh, a remote stand-in): it runs there, answers on Q,
//      and nothing of it lands on the first engine.
// Everything labelled with the project folder is removed at the end, also on failure, and the
// history lives in a temporary BERTH_STATE_DIR.
// Run by scripts/e2e.sh (needs the engine: bash scripts/start-dockerd.sh); harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, rm, realpath, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec, wd } from './harness.mjs';
import { notifications, startNotificationDaemon, stopAll } from './desktop.mjs';

const screenshot = process.env.BERTH_DEPLOY_SCREENSHOT ?? join(repo, 'docs/screenshot-deploy.png');
const DOCKER = '/usr/bin/docker';
const SECOND = 'unix:///run/berth-dockerd2/docker.sock';
const until = poller(180000, 200);

/** A free port for the app (released before the deploy takes it). */
async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** busybox httpd on `port` answering `body` on `/`; `/health` exists only when `healthy`. */
function dockerfile(port, body, healthy) {
  const health = healthy ? ' && echo ok > /www/health' : '';
  return [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    `RUN ["/bin/busybox", "sh", "-c", "mkdir -p /www && echo ${body} > /www/index.html${health}"]`,
    'USER 65534',
    `EXPOSE ${port}`,
    `HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:${port}/health"]`,
    `CMD ["/bin/busybox", "sh", "-c", "echo starting ${body}; exec /bin/busybox httpd -f -v -p ${port} -h /www"]`,
    '',
  ].join('\n');
}

function ids(args, host = null) {
  const h = host ? ['-H', host] : [];
  return execFileSync(DOCKER, [...h, ...args], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
}

function leftovers(folder, host = null) {
  const filter = `label=dev.berth.project=${folder}`;
  return { containers: ids(['ps', '-aq', '--filter', filter], host), images: ids(['images', '-q', '--filter', filter], host) };
}

function cleanUp(folder, host = null) {
  const h = host ? ['-H', host] : [];
  const { containers, images } = leftovers(folder, host);
  if (containers.length) execFileSync(DOCKER, [...h, 'rm', '-f', ...containers], { stdio: 'ignore' });
  if (images.length) execFileSync(DOCKER, [...h, 'rmi', '-f', ...new Set(images)], { stdio: 'ignore' });
}

async function get(port) {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
  return res && res.ok ? (await res.text()).trim() : null;
}

const port = await freePort();
const port2 = await freePort();
const project = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-deploy-')));
const folder = join(project, 'shop');
const state = join(project, 'state');
await mkdir(folder);
await copyFile('/bin/busybox', join(folder, 'busybox'));
await writeFile(join(folder, 'Dockerfile'), dockerfile(port, 'v1', true));
// The app (started by tauri-driver) inherits this: the history stays in the temp folder.
process.env.BERTH_STATE_DIR = state;

await runSpec({
  failureShot: 'failure-deploy.png',
  async setup() {
    execFileSync('bash', [join(repo, 'scripts/second-dockerd.sh'), 'start'], { stdio: 'inherit' });
    await startNotificationDaemon({});
  },
  async body(app) {
    return deployJourney(app);
  },
  async cleanup() {
    try {
      cleanUp(folder);
      cleanUp(folder, SECOND);
    } finally {
      stopAll();
      await rm(project, { recursive: true, force: true });
    }
  },
});

async function deployJourney({ s, find, text, click, exec, type, screenshot: shoot }) {
  // Open the folder through the path field, then the Run view, where the Deploy panel is.
  const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
  await type(field, folder + '\uE007');
  await until('the project opened', () => find('#view-tab-run'));
  await click(await find('#view-tab-run'));
  await until('the Deploy panel with the engines', async () =>
    (await exec('return document.querySelectorAll("[data-testid=deploy-target] option").length')) >= 2,
  );
  assert.equal(await exec('return document.querySelector("[data-testid=deploy-env]").value'), 'prod');
  const target = await exec('return document.querySelector("[data-testid=deploy-target]").selectedOptions[0].textContent');
  assert.match(target, /^this engine/, target);

  // 1. v1 to prod.
  await click(await find('[data-testid="deploy-button"]'));
  const outcome = () => exec('const o = document.querySelector("[data-testid=deploy-outcome]"); return o ? o.dataset.outcome : null');
  await until('v1 deployed', async () => (await outcome()) === 'deployed');
  const url = await text('[data-testid="deploy-url"]');
  assert.equal(url, `http://localhost:${port}`);
  assert.equal(await get(port), 'v1');
  const validations = await text('[data-testid="deploy-validations"]');
  for (const name of ['app', 'check', 'engine', 'port', 'environment']) assert.match(validations, new RegExp(`${name}`), validations);
  const v1 = (await text('[data-testid="deploy-outcome"]')).match(/Deployed — (\S+) \(prod\)/)?.[1];
  assert.ok(v1, await text('[data-testid="deploy-outcome"]'));
  await until('v1 in the history', async () => (await text('[data-testid="deploy-history"]')).includes(v1));
  const deployed = await until('the "Deployed" notification at dunst', () =>
    notifications().find((n) => n.summary === `Deployed ${v1} (prod)`),
  );
  assert.match(deployed.body, new RegExp(`http://localhost:${port}`));
  console.log(`e2e: deployed ${v1}: ${url} answers v1; dunst got "${deployed.summary}: ${deployed.body}"`);
  await shoot(screenshot);

  // 2. A broken v2: rolled back, v1 answers the whole time.
  await writeFile(join(folder, 'Dockerfile'), dockerfile(port, 'v2', false));
  let polling = true;
  const answers = { v1: 0, other: [] };
  const poll = (async () => {
    while (polling) {
      const body = await get(port);
      if (body === 'v1') answers.v1++;
      else answers.other.push(body);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await click(await find('[data-testid="deploy-button"]'));
  await until('v2 rolled back', async () => (await outcome()) === 'rolled_back');
  polling = false;
  await poll;
  assert.deepEqual(answers.other, [], `v1 kept answering (${answers.v1} answers)`);
  assert.ok(answers.v1 > 0);
  const rolled = await text('[data-testid="deploy-outcome"]');
  assert.match(rolled, new RegExp(`${v1} keeps serving`), rolled);
  assert.match(await text('[data-testid="deploy-reason"]'), /health/i);
  assert.match(await text('[data-testid="deploy-logs"]'), /starting v2/);
  assert.equal(await get(port), 'v1');
  const notice = await until('the "rolled back" notification at dunst', () =>
    notifications().find((n) => / rolled back \(prod\)$/.test(n.summary ?? '')),
  );
  assert.match(notice.body, new RegExp(`${v1} keeps serving`));
  const rows = await until('both in the history', async () => {
    const n = await exec('return document.querySelectorAll("[data-testid=deploy-history] tbody tr").length');
    return n === 2 ? n : null;
  });
  // Nothing half-switched: one container of the folder (v1's).
  assert.equal(leftovers(folder).containers.length, 1, 'only the live version runs');
  console.log(`e2e: broken v2 rolled back; v1 answered ${answers.v1} times meanwhile; dunst got "${notice.summary}"; ${rows} history rows`);

  // 3. A good v3, then Roll back (keyboard: focus + Enter) returns v1.
  await writeFile(join(folder, 'Dockerfile'), dockerfile(port, 'v3', true));
  await click(await find('[data-testid="deploy-button"]'));
  await until('v3 deployed', async () => (await outcome()) === 'deployed' && (await get(port)) === 'v3');
  await exec('document.querySelector("[data-testid=rollback-button]").focus()');
  await wd('POST', `${s}/actions`, {
    actions: [{ type: 'key', id: 'kbd', actions: [{ type: 'keyDown', value: '\uE007' }, { type: 'keyUp', value: '\uE007' }] }],
  });
  await until('v1 back', async () => (await get(port)) === 'v1' && /is back/.test(await text('[data-testid="deploy-outcome"]')));
  assert.match(await text('[data-testid="deploy-outcome"]'), new RegExp(`${v1} \\(prod\\) is back`));
  await until('four history rows', async () =>
    (await exec('return document.querySelectorAll("[data-testid=deploy-history] tbody tr").length')) === 4,
  );
  assert.match(await text('[data-testid="deploy-history"] tbody tr'), /rollback/);
  assert.equal(leftovers(folder).containers.length, 1, 'only the live version runs');

  // 4. v4 to a second engine, typed into the panel as an address.
  await writeFile(join(folder, 'Dockerfile'), dockerfile(port2, 'v4', true));
  await exec(`const s = document.querySelector("[data-testid=deploy-target]"); s.value = "other"; s.dispatchEvent(new Event("change", { bubbles: true }));`);
  const engineField = await until('the engine field', () => find('[data-testid="deploy-engine"]'));
  await type(engineField, SECOND);
  await click(await find('[data-testid="deploy-button"]'));
  await until('v4 deployed on the second engine', async () => (await outcome()) === 'deployed' && (await get(port2)) === 'v4');
  assert.equal(leftovers(folder, SECOND).containers.length, 1, 'v4 runs on the second engine');
  assert.equal(leftovers(folder).containers.length, 1, 'the first engine still runs only v1');
  assert.equal(await get(port), 'v1');
  assert.ok((await text('[data-testid="deploy-history"]')).includes(SECOND), 'the history names the second engine');
  return `deployed v1 to prod (URL answered), broken v2 rolled back while v1 kept answering (both notified), v3 deployed, Roll back returned v1; history of 4; v4 deployed to a second engine typed into the panel`;
}
