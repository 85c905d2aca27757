// End-to-end test of the Run journey in the real desktop app, on the real engine: a temp
// busybox project with its own Dockerfile (EXPOSE P, busybox httpd serving /health, a
// HEALTHCHECK) and compose.yaml, with port P held by a real listener of this process.
// Open the folder (typed path), Run: see progress, the conflict explained (owner: this
// node process) and another port chosen, healthy + the URL (fetched for real), log lines
// in the logs view, a changed file offers Rebuild & restart (same port, new page), write
// the port into compose.yaml (confirmed), then Stop & remove and
// check with /usr/bin/docker that nothing of the test is left; then Run with compose
// (Compose v2, on the written port), Stop & remove, and check again. Saves docs/screenshot-run.png.
// Run by scripts/e2e.sh (needs the engine: bash scripts/start-dockerd.sh); harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, writeFile, mkdir, rm, realpath } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec } from './harness.mjs';

const screenshot = process.env.BERTH_RUN_SCREENSHOT ?? join(repo, 'docs/screenshot-run.png');
const DOCKER = '/usr/bin/docker';
// Building busybox images is quick, but the engine is shared: allow for a slow machine.
const until = poller(120000, 100);

/** Containers / images labelled with the project folder (what the test must leave none of). */
function leftovers(folder) {
  const filter = `label=dev.berth.project=${folder}`;
  const ids = (args) => execFileSync(DOCKER, args, { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
  return { containers: ids(['ps', '-aq', '--filter', filter]), images: ids(['images', '-q', '--filter', filter]) };
}

function cleanUp(folder) {
  const { containers, images } = leftovers(folder);
  if (containers.length) execFileSync(DOCKER, ['rm', '-f', ...containers], { stdio: 'ignore' });
  if (images.length) execFileSync(DOCKER, ['rmi', '-f', ...images], { stdio: 'ignore' });
}

// A real listener on the project's preferred port: the conflict Berth must explain.
const holder = createServer((s) => s.end());
await new Promise((r) => holder.listen(0, '0.0.0.0', r));
const preferred = holder.address().port;

const project = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-run-')));
const folder = join(project, 'webapp');
await mkdir(folder);
await copyFile('/bin/busybox', join(folder, 'busybox'));
await writeFile(join(folder, 'index.html'), '<!doctype html><title>berth e2e</title><h1>hello from berth</h1>\n');
await writeFile(join(folder, 'health'), 'ok\n');
const nonce = `${process.pid}-${Date.now()}`;
await writeFile(
  join(folder, 'Dockerfile'),
  [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'COPY index.html health /www/',
    // A unique, slightly slow layer: never shared with another build, and the progress
    // bar is on screen long enough to be seen.
    `RUN ["/bin/busybox", "sh", "-c", "echo ${nonce} > /www/nonce && /bin/busybox sleep 2"]`,
    'USER 65534',
    `EXPOSE ${preferred}`,
    `HEALTHCHECK --interval=1s --timeout=2s --retries=5 CMD ["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:${preferred}/health"]`,
    `CMD ["/bin/busybox", "sh", "-c", "echo starting httpd; printf '\\\\033[32mready\\\\033[0m on ${preferred}\\\\n'; exec /bin/busybox httpd -f -v -p ${preferred} -h /www"]`,
    '',
  ].join('\n'),
);
const COMPOSE = `services:\n  web:\n    build: .\n    ports:\n      - "${preferred}:${preferred}"\n`;
await writeFile(join(folder, 'compose.yaml'), COMPOSE);

await runSpec({
  failureShot: 'failure-run.png',
  async body({ find, xfind, text, click, exec, type, screenshot: shoot }) {
    const button = (label) => xfind(`//section[@aria-label='Run']//button[normalize-space()='${label}']`);

    // 1. Open the folder through the path field.
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');
    await until('the detection', () => find('[data-testid="stack"]'));

    // 2. The Run view: the engine in use.
    await click(await until('the Run tab', () => find('#view-tab-run')));
    const engine = await until('the engine status', async () => {
      const t = await text('[data-testid="engine-status"]');
      return t.includes('Engine:') ? t : null;
    });
    assert.match(engine, /Docker \d+/, engine);

    // 3. Run: progress step n of m while the build runs.
    await click(await button('Run'));
    const step = await until('the progress bar at a step', async () => {
      const t = await text('[data-testid="progress-label"]');
      return /^Step \d+ of \d+$/.test(t) ? t : null;
    });
    const value = await exec('const p = document.querySelector("progress"); return p ? [p.value, p.max] : null');
    assert.ok(value && value[1] === 100, `a progress bar: ${JSON.stringify(value)} at ${step}`);

    // 4. Healthy, on another port, with the conflict explained (this node process holds it).
    const healthy = await until('healthy', () => text('[data-testid="run-healthy"]'));
    assert.match(healthy, /Healthy/);
    const owner = await text('[data-testid="port-owner"]');
    assert.match(owner, new RegExp(`pid ${process.pid}`), owner);
    const chosen = Number(await text('[data-testid="chosen-port"]'));
    assert.notEqual(chosen, preferred);
    const url = await text('[data-testid="app-url"]');
    assert.equal(url, `http://localhost:${chosen}`);
    const page = await (await fetch(`http://127.0.0.1:${chosen}/`)).text();
    assert.match(page, /hello from berth/);

    // 5. The log view follows the container (timestamps; the ANSI green as a class).
    const logs = await until('log lines', async () => {
      const t = await text('[data-testid="log-lines"]');
      return t.includes('starting httpd') && t.includes('ready on') ? t : null;
    });
    assert.match(logs, /\d\d:\d\d:\d\d\.\d{3}/);
    const green = await text('[data-testid="log-lines"] .ansi-fg-2');
    assert.equal(green, 'ready');

    await shoot(screenshot);

    // 6. A changed source is noticed; Rebuild & restart serves it on the same port.
    await writeFile(join(folder, 'index.html'), '<!doctype html><title>berth e2e</title><h1>hello again</h1>\n');
    const offer = await until('the rebuild offer', async () => {
      const t = await text('[data-testid="sources-changed"]');
      return t.includes('index.html') ? t : null;
    });
    assert.match(offer, /Changed since this run/);
    await click(await button('Rebuild & restart'));
    await until('the rebuilt page', async () => {
      const res = await fetch(`http://127.0.0.1:${chosen}/`).catch(() => null);
      return res && (await res.text()).includes('hello again');
    });
    await until('healthy again', () => text('[data-testid="run-healthy"]'));
    assert.equal(await text('[data-testid="app-url"]'), url, 'same URL after the rebuild');

    // 7. Write the chosen port into compose.yaml, after confirming.
    await click(await xfind(`//button[starts-with(normalize-space(), 'Write port ${chosen} into compose.yaml')]`));
    await until('the confirm dialog', () => find('dialog[open]'));
    assert.equal(await readFile(join(folder, 'compose.yaml'), 'utf8'), COMPOSE, 'nothing written before confirming');
    await click(await xfind(`//dialog//button[normalize-space()='Write port ${chosen}']`));
    await until('the port written', async () => (await readFile(join(folder, 'compose.yaml'), 'utf8')).includes(`"${chosen}:${preferred}"`));
    const backups = (await readdir(folder)).filter((f) => f.startsWith('compose.yaml.berth-backup-'));
    assert.equal(backups.length, 1, `one backup: ${backups}`);

    // 8. Stop & remove: nothing of the test is left in the engine.
    await click(await button('Stop & remove'));
    const stopped = await until('stopped', () => text('[data-testid="run-stopped"]'));
    assert.match(stopped, /Removed berth-webapp-/);
    const left = leftovers(folder);
    assert.deepEqual(left, { containers: [], images: [] }, `left behind: ${JSON.stringify(left)}`);

    // 9. Run with compose: Compose v2 brings the service up (Berth pre-builds its image with
    //    BuildKit) on the port now written in compose.yaml; the panel says which runner ran it.
    await click(await button('Run with compose'));
    await until('healthy with compose', () => text('[data-testid="run-healthy"]'));
    const how = await text('[data-testid="runner"]');
    assert.match(how, /compose services, with docker compose/, how);
    assert.equal(await text('[data-testid="app-url"]'), `http://localhost:${chosen}`);
    const composed = await (await fetch(`http://127.0.0.1:${chosen}/`)).text();
    assert.match(composed, /hello again/);
    await until('compose log lines', async () => (await text('[data-testid="log-lines"]')).includes('ready on'));
    await click(await button('Stop & remove'));
    await until('stopped after compose', () => text('[data-testid="run-stopped"]'));
    const leftAfterCompose = leftovers(folder);
    assert.deepEqual(leftAfterCompose, { containers: [], images: [] }, `left behind: ${JSON.stringify(leftAfterCompose)}`);
    return 'built with progress, conflict explained, healthy, logs followed, rebuilt on change, port written, removed, run with compose, removed';
  },
  async cleanup() {
    try {
      cleanUp(folder);
    } finally {
      holder.close();
      await rm(project, { recursive: true, force: true });
    }
  },
});
