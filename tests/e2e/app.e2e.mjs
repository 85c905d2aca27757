// End-to-end test of the real desktop app: the release binary (UI embedded), driven through
// tauri-driver + WebKitWebDriver (plain W3C WebDriver over fetch, no client library).
// A copy of tests/fixtures/python-flask-redis (plus a user-written compose.yaml) is opened
// through the path field; the test checks the detection, the generated Dockerfile, writes
// the files through the confirm dialog and checks the disk (replaced file + backup).
// Saves docs/screenshot.png. Run by scripts/e2e.sh (which builds and starts everything).
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.env.BERTH_APP_BIN ?? join(repo, 'target/app/release/berth-app');
const driverBin = process.env.TAURI_DRIVER ?? 'tauri-driver';
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const base = `http://127.0.0.1:${port}`;
const screenshot = process.env.BERTH_SCREENSHOT ?? join(repo, 'docs/screenshot.png');
const TIMEOUT_MS = 20000;

const USER_COMPOSE = 'services:\n  web:\n    build: .\n    ports:\n      - "5000:5000"\n';

async function wd(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value (WebDriver has no event to wait on). */
async function until(what, fn) {
  const deadline = Date.now() + TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

async function waitForDriver(child) {
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let i = 0; i < 100 && !exited; i++) {
    try {
      await fetch(`${base}/status`);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('tauri-driver did not start');
}

const project = await mkdtemp(join(tmpdir(), 'berth-e2e-'));
const folder = join(project, 'flask-redis');
await cp(join(repo, 'tests/fixtures/python-flask-redis'), folder, { recursive: true });
await writeFile(join(folder, 'compose.yaml'), USER_COMPOSE);

const driver = spawn(driverBin, ['--port', String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
let session;
let ok = false;
try {
  await waitForDriver(driver);
  session = (
    await wd('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } },
    })
  ).sessionId;
  const s = `/session/${session}`;
  const find = async (css) => (await wd('POST', `${s}/element`, { using: 'css selector', value: css }))[ELEMENT];
  const text = async (css) => wd('GET', `${s}/element/${await find(css)}/text`);
  const exec = (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args });

  // 1. The empty state, then open the folder through the path field (keyboard only).
  const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
  await wd('POST', `${s}/element/${field}/clear`, {});
  await wd('POST', `${s}/element/${field}/value`, { text: folder + '\uE007' });

  // 2. What was detected, with evidence.
  const stack = await until('the detected stack', async () => {
    const t = await text('[data-testid="stack"]');
    return t.includes('Python') ? t : null;
  });
  assert.match(stack, /Python · Flask/);
  // The stylesheet loaded under the app's CSP (the light theme's background is applied).
  const bg = await exec('return getComputedStyle(document.body).backgroundColor');
  assert.ok(['rgb(246, 247, 249)', 'rgb(15, 19, 24)'].includes(bg), `themed background, got ${bg}`);
  const evidence = await text('ul[aria-label="Evidence"]');
  assert.match(evidence, /requirements\.txt:\d+/, evidence);

  // 3. The generated Dockerfile in the preview (a new file: shown as code).
  const dockerfile = await until('the Dockerfile preview', async () => {
    const lines = await exec('return [...document.querySelectorAll("[data-testid=code] .tx")].map((l) => l.textContent)');
    const t = lines.join('\n') + '\n';
    return /FROM /.test(t) ? t : null;
  });
  assert.match(dockerfile, /^FROM /m);
  assert.match(dockerfile, /^USER /m);
  const tabs = await exec('return [...document.querySelectorAll("[role=tablist][aria-label^=Generated] [role=tab]")].map((t) => t.textContent.trim())');
  assert.deepEqual(tabs.map((t) => t.split(/\s+/)[0]), ['Dockerfile', 'compose.yaml', '.dockerignore']);
  assert.match(tabs[1], /changed/i, 'the user compose.yaml differs');

  // WebKit's screenshot is the last composited frame: let two frames paint first.
  await wd('POST', `/session/${session}/execute/async`, {
    script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));',
    args: [],
  });
  await mkdir(dirname(screenshot), { recursive: true });
  await writeFile(screenshot, Buffer.from(await wd('GET', `${s}/screenshot`), 'base64'));
  console.log(`e2e: screenshot saved to ${screenshot}`);

  // 4. Write: the confirm dialog names compose.yaml; confirming replaces it with a backup.
  await wd('POST', `${s}/element/${await find('header button.primary')}/click`, {});
  const dialog = await until('the confirm dialog', async () => {
    const t = await text('dialog[open]');
    return t.includes('compose.yaml') ? t : null;
  });
  assert.match(dialog, /backup/);
  assert.equal(await readFile(join(folder, 'compose.yaml'), 'utf8'), USER_COMPOSE, 'nothing written before confirming');
  const confirm = await exec(
    'return [...document.querySelectorAll("dialog[open] button")].findIndex((b) => b.textContent.includes("Replace"))',
  );
  assert.ok(confirm >= 0);
  const buttons = await wd('POST', `${s}/elements`, { using: 'css selector', value: 'dialog[open] button' });
  await wd('POST', `${s}/element/${buttons[confirm][ELEMENT]}/click`, {});
  const report = await until('the write report', () => text('[aria-label="Write report"]'));
  assert.match(report, /Wrote 3 files/, report);

  // 5. The disk: all three files, the user's compose.yaml kept as a backup.
  const written = await readFile(join(folder, 'Dockerfile'), 'utf8');
  assert.equal(written, dockerfile, 'the Dockerfile on disk is the one previewed');
  assert.notEqual(await readFile(join(folder, 'compose.yaml'), 'utf8'), USER_COMPOSE);
  const backups = (await readdir(folder)).filter((f) => f.startsWith('compose.yaml.berth-backup-'));
  assert.equal(backups.length, 1, `one backup: ${backups}`);
  assert.equal(await readFile(join(folder, backups[0]), 'utf8'), USER_COMPOSE);
  await readFile(join(folder, '.dockerignore'), 'utf8');
  ok = true;
  console.log('e2e: ok — detected, previewed, confirmed, written with a backup');
} catch (e) {
  console.error(`e2e: FAILED: ${e.stack ?? e}`);
  if (session) {
    const dir = join(repo, 'tests/e2e/screenshots');
    await mkdir(dir, { recursive: true });
    const shot = await wd('GET', `/session/${session}/screenshot`).catch(() => null);
    if (shot) await writeFile(join(dir, 'failure.png'), Buffer.from(shot, 'base64'));
    const html = await wd('GET', `/session/${session}/source`).catch((err) => String(err));
    console.error(`e2e: page at failure (screenshot: tests/e2e/screenshots/failure.png):\n${String(html).slice(0, 3000)}`);
  }
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  driver.kill('SIGTERM');
  await rm(project, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
