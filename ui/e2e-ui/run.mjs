// Fast UI test: the built UI (ui/dist) in headless Debian Chromium, served with the app's
// CSP, the Tauri backend replaced by mockIPC (mock-backend.ts). Exercises the journey the
// user sees: open (typed path, drop event, picker), evidence, live preview, diff, write.
// `npm run e2e-ui` builds ui/dist first. Needs chromium at $CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { k8sTests } from './k8s.mjs';
import { deployTests } from './deploy.mjs';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '../dist');
const conf = JSON.parse(await readFile(resolve(here, '../../tauri.conf.json'), 'utf8'));
const csp = Object.entries(conf.app.security.csp).map(([k, v]) => `${k} ${v}`).join('; ');
const shots = process.env.BERTH_UI_SHOTS ?? resolve(here, '../../tests/e2e/screenshots');

const mock = await build({
  entryPoints: [join(here, 'mock-backend.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  target: 'es2022',
});
const mockScript = mock.outputFiles[0].text;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname === '/' ? '/index.html' : url.pathname;
  try {
    const body = await readFile(join(dist, path.replace(/\.\./g, '')));
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-security-policy': csp });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  // playwright gives every launch a fresh temporary profile.
});

let failures = 0;
async function test(name, fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.addInitScript(mockScript);
  try {
    await page.goto(base);
    await fn(page);
    assert.deepEqual(problems, [], 'console errors / CSP violations');
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${String(e?.message ?? e).split('\n').join('\n     ')}`);
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `fail-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  } finally {
    await context.close();
  }
}

const ROOT = '/projects/flask-redis';
const pathField = (page) => page.getByLabel('Project folder path');
const code = (page) => page.getByTestId('code');
const calls = (page, cmd) => page.evaluate((c) => window.__berth.calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);

async function openByTyping(page) {
  await pathField(page).fill(ROOT);
  await pathField(page).press('Enter');
  await page.getByTestId('stack').waitFor();
}

await test('empty state offers the path field and a focusable Choose folder button', async (page) => {
  await page.getByRole('heading', { name: 'Drop a project folder here' }).waitFor();
  await page.screenshot({ path: join(shots, 'ui-empty.png') });
  // The header's view tabs come first, then the page.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Project');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Settings');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Project folder path');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Choose folder…');
});

await test('typing a path shows the detection, its evidence and the generated Dockerfile', async (page) => {
  await openByTyping(page);
  assert.equal(await page.getByTestId('stack').textContent(), 'Python · Flask');
  const evidence = await page.getByRole('list', { name: 'Evidence' }).textContent();
  assert.match(evidence, /requirements\.txt:1/);
  assert.match(evidence, /app\.py:7/);
  // A long path wraps inside its column (at most half the list): every description keeps room.
  const widths = await page.getByRole('list', { name: 'Evidence' }).evaluate((ul) => {
    const list = ul.getBoundingClientRect();
    return [...ul.querySelectorAll('li')].map((li) => {
      const loc = li.querySelector('.loc');
      const detail = li.querySelector('.detail');
      return {
        text: loc.textContent,
        overflows: loc.getBoundingClientRect().right > list.right + 0.5 || loc.scrollWidth > loc.clientWidth,
        detail: detail.getBoundingClientRect().width / list.width,
      };
    });
  });
  const long = widths.find((w) => w.text === 'src/flask_redis_demo/settings/production.py:12');
  assert.ok(long, JSON.stringify(widths));
  for (const w of widths) {
    assert.ok(w.detail > 0.4, `description squeezed: ${JSON.stringify(w)}`);
    assert.ok(!w.overflows, `path clipped: ${JSON.stringify(w)}`);
  }
  // The Dockerfile exists and differs: diff view first, generated view on request.
  await page.getByRole('table', { name: /side by side/ }).waitFor();
  await page.getByRole('button', { name: 'Generated' }).click();
  const text = await code(page).textContent();
  assert.match(text, /FROM python:3\.12-slim/);
  assert.match(text, /USER 10001/);
  await page.screenshot({ path: join(shots, 'ui-light.png') });
});

await test('dark theme follows the system', async (page) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openByTyping(page);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(15, 19, 24)');
  await page.screenshot({ path: join(shots, 'ui-dark.png') });
});

await test('a folder dropped on the window opens it', async (page) => {
  await page.evaluate((root) => window.__berth.emit('tauri://drag-drop', { paths: [root], position: { x: 10, y: 10 } }), ROOT);
  await page.getByTestId('stack').waitFor();
  assert.deepEqual(await calls(page, 'open_project'), [{ path: ROOT }]);
});

await test('Ctrl+O uses the folder picker', async (page) => {
  await page.keyboard.press('Control+o');
  await page.getByTestId('stack').waitFor();
  assert.equal((await calls(page, 'plugin:dialog|open')).length, 1);
});

await test('a bad path shows its error inline and keeps the field', async (page) => {
  await pathField(page).fill('/nope');
  await pathField(page).press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /\/nope: no such file or folder/);
  assert.equal(await pathField(page).inputValue(), '/nope');
});

await test('editing the port re-renders the preview (debounced)', async (page) => {
  await openByTyping(page);
  await page.getByRole('tab', { name: /compose\.yaml/ }).click();
  const port = page.getByLabel('Port', { exact: true });
  await port.fill('8123');
  await page.waitForFunction(() => document.querySelector('[data-testid=code]')?.textContent?.includes('8123:8123'));
  const previews = await calls(page, 'preview_files');
  assert.equal(previews.at(-1).edits.port, 8123);
  assert.ok(previews.length <= 3, `debounced: ${previews.length} preview calls`);
  await port.fill('80x');
  await page.getByText('A port is a number from 1 to 65535.').waitFor();
  await page.getByRole('checkbox', { name: 'redis' }).uncheck();
  await page.waitForFunction(() => !document.querySelector('[data-testid=code]')?.textContent?.includes('redis'));
  assert.deepEqual((await calls(page, 'preview_files')).at(-1).edits.services, []);
});

await test('an invalid image shows the error and keeps the edit and the last preview', async (page) => {
  await openByTyping(page);
  const image = page.getByLabel('Runtime image');
  await image.fill('not an image');
  await page.getByText(/Cannot render with these settings/).waitFor();
  assert.equal(await image.inputValue(), 'not an image');
  assert.ok(await page.getByRole('tab', { name: /Dockerfile/ }).isVisible());
});

await test('Ctrl+S confirms replacing the existing Dockerfile, then reports backups', async (page) => {
  await openByTyping(page);
  await page.keyboard.press('Control+s');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Dockerfile/);
  assert.match(await dialog.textContent(), /backup/);
  assert.equal((await calls(page, 'write_files')).length, 0, 'nothing written before confirming');
  await page.getByRole('button', { name: 'Replace and keep backups' }).click();
  const report = page.getByRole('status', { name: 'Write report' });
  await report.waitFor();
  assert.match(await report.textContent(), /Wrote 3 files/);
  assert.match(await report.textContent(), /Dockerfile\.berth-backup-/);
  assert.deepEqual((await calls(page, 'write_files')).map((a) => a.force), [true]);
});

await test('Escape cancels the confirmation without writing', async (page) => {
  await openByTyping(page);
  await page.getByRole('button', { name: /Write files/ }).click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal((await calls(page, 'write_files')).length, 0);
});

// ---- The Run view ---------------------------------------------------------------------
const runCtl = (page, patch) => page.evaluate((p) => Object.assign(window.__berth.run, p), patch);
async function openRun(page, patch = {}) {
  await runCtl(page, patch);
  await openByTyping(page);
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('engine-status').getByText('unix:///var/run/docker.sock').waitFor();
}

await test('Run shows the engine, then progress step n of m with per-step output; Cancel ends it', async (page) => {
  await openRun(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const label = page.getByTestId('progress-label');
  await page.waitForFunction(() => document.querySelector('[data-testid=progress-label]')?.textContent?.includes('Step 3 of 5'));
  assert.equal(await label.textContent(), 'Step 3 of 5');
  const value = Number(await page.getByRole('progressbar', { name: 'Build progress' }).getAttribute('value'));
  assert.ok(value > 0 && value < 100, `progress ${value}`);
  // The current step is open with its output; finished steps are folded and say cached.
  const steps = page.getByRole('region', { name: 'Build progress' }).locator('details');
  assert.equal(await steps.count(), 3);
  assert.equal(await steps.nth(2).getAttribute('open'), '');
  assert.match(await steps.nth(2).textContent(), /installing applets/);
  assert.match(await steps.nth(0).textContent(), /cached/);
  assert.equal(await steps.nth(0).getAttribute('open'), null);
  await steps.nth(0).locator('summary').click();
  assert.equal(await steps.nth(0).getAttribute('open'), '');
  await page.screenshot({ path: join(shots, 'ui-run-progress.png') });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Cancelled. Nothing half-built was left behind.').waitFor();
  assert.equal((await calls(page, 'cancel_up')).length, 1);
  assert.deepEqual((await calls(page, 'up_project')).map((a) => [a.root, a.hostPort]), [[ROOT, null]]);
});

await test('Run with compose says which runner ran, shows the URL and services and follows the app container', async (page) => {
  await openRun(page, { scenario: 'healthy', existingCompose: true, composeTool: 'docker compose' });
  await page.getByRole('button', { name: 'Run with compose' }).click();
  const how = page.getByTestId('runner');
  await how.waitFor();
  await page.getByTestId('run-healthy').waitFor();
  assert.match(await how.textContent(), /compose services, with docker compose/);
  assert.equal(await page.getByTestId('app-url').textContent(), 'http://localhost:8081');
  assert.match(await page.getByRole('region', { name: 'Port conflict' }).textContent(), /8000 is in use/);
  assert.match(await page.getByTestId('services').textContent(), /redis, app/);
  await page.getByTestId('log-lines').getByText('disk almost full').waitFor();
  assert.deepEqual(
    (await calls(page, 'up_project')).map((a) => [a.root, a.hostPort, a.runner, a.source]),
    [[ROOT, null, 'compose', 'files']],
  );
  await page.getByRole('button', { name: 'Stop & remove' }).click();
  await page.getByTestId('run-stopped').waitFor();
});

await test('without Compose v2 the compose run says it used the Engine API and why, with its notes', async (page) => {
  await openRun(page, { scenario: 'healthy', existingCompose: true, composeTool: null });
  await page.getByRole('button', { name: 'Run with compose' }).click();
  await page.getByTestId('runner').getByText('through the Engine API', { exact: false }).waitFor();
  assert.match(await page.getByTestId('runner').textContent(), /Compose v1/);
  assert.match(await page.getByRole('list', { name: 'Notes' }).textContent(), /not published/);
});

await test('a folder without a compose file offers no compose run of its files', async (page) => {
  await openRun(page, { scenario: 'healthy', existingCompose: false });
  assert.equal(await page.getByRole('button', { name: 'Run with compose' }).count(), 0);
});

await test("the plan with the user's edits is what runs: the edited port goes to up_project, nothing is written", async (page) => {
  await openByTyping(page);
  const port = page.getByLabel('Port', { exact: true });
  await port.fill('7000');
  await port.press('Tab');
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('engine-status').getByText('unix:///var/run/docker.sock').waitFor();
  // The folder has its own Dockerfile: the user chooses to run Berth's plan instead.
  await page.getByTestId('build-from').getByLabel(/Berth's plan/).check();
  // And for another architecture (berth up --platform).
  assert.equal(await page.getByTestId('run-platform').inputValue(), '');
  await page.getByTestId('run-platform').selectOption({ label: 'linux/arm64' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  const [args] = await calls(page, 'up_project');
  assert.equal(args.source, 'plan');
  assert.equal(args.edits.port, 7000);
  assert.equal(args.runner, 'auto');
  assert.equal(args.expose, false);
  assert.equal(args.platform, 'linux/arm64');
  assert.equal((await calls(page, 'write_files')).length, 0);
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
});

await test('a port conflict is explained, the app is healthy with its URL, and logs follow with colours', async (page) => {
  await openRun(page, { scenario: 'conflict', existingCompose: true });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  const conflict = page.getByRole('region', { name: 'Port conflict' });
  await conflict.waitFor();
  assert.equal(await page.getByTestId('port-owner').textContent(), 'python3, pid 4242');
  assert.equal(await page.getByTestId('chosen-port').textContent(), '8081');
  assert.match(await conflict.textContent(), /Stop it \(kill 4242\)/);
  const healthy = page.getByTestId('run-healthy');
  await healthy.waitFor();
  assert.equal(await page.getByTestId('app-url').textContent(), 'http://localhost:8081');
  const report = await page.getByRole('region', { name: 'Build report' }).textContent();
  assert.match(report, /1\.2 MB/);
  assert.match(report, /met/);
  assert.equal(await page.getByTestId('builder').textContent(), 'BuildKit');
  // The log view follows the container: timestamps, ANSI colours as classes, stderr marked.
  const lines = page.getByTestId('log-lines');
  await lines.getByText('disk almost full').waitFor();
  assert.match(await lines.textContent(), /03:30:01\.100/);
  assert.equal(await lines.locator('.ansi-fg-1.ansi-bold').textContent(), 'ERROR');
  assert.equal(await lines.locator('.ansi-fg-2').textContent(), 'GET /health 200');
  assert.ok(!(await lines.innerHTML()).includes('\x1b'), 'no raw escapes');
  await page.getByLabel('Filter log lines').fill('error');
  await page.getByText('1 of 3 lines').waitFor();
  await page.screenshot({ path: join(shots, 'ui-run-healthy.png') });
  await page.getByRole('button', { name: 'Open in browser' }).click();
  await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'open_url'));
  assert.deepEqual(await calls(page, 'open_url'), [{ url: 'http://localhost:8081' }]);
  // Writing the port back is offered, and done only after confirming.
  await page.getByRole('button', { name: /Write port 8081 into compose\.yaml/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal((await calls(page, 'write_port')).length, 0);
  await dialog.getByRole('button', { name: 'Write port 8081' }).click();
  await page.getByText(/compose\.yaml\.berth-backup-/).waitFor();
  assert.deepEqual(await calls(page, 'write_port'), [{ root: ROOT, port: 8081 }]);
});

await test('another port can be typed; a busy one is explained before anything runs', async (page) => {
  await openRun(page, { scenario: 'healthy' });
  const field = page.getByLabel('Host port');
  await field.fill('5000');
  await field.press('Enter');
  const problem = page.getByTestId('port-problem');
  await problem.waitFor();
  assert.match(await problem.textContent(), /Port 5000 is taken\. python3 \(pid 4242\)/);
  assert.equal((await calls(page, 'up_project')).length, 0);
  await field.fill('9100');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
  assert.equal(await page.getByTestId('app-url').textContent(), 'http://localhost:9100');
  assert.deepEqual((await calls(page, 'up_project')).map((a) => a.hostPort), [9100]);
});

await test('an unhealthy container shows its last log lines', async (page) => {
  await openRun(page, { scenario: 'unhealthy' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  const alert = page.getByTestId('run-unhealthy');
  await alert.waitFor();
  assert.match(await alert.textContent(), /unhealthy after 60 s/);
  assert.match(await alert.getByLabel('Last log lines').textContent(), /httpd: bind: Address in use/);
  await page.screenshot({ path: join(shots, 'ui-run-unhealthy.png') });
});

await test('a failed build says why and keeps its progress', async (page) => {
  await openRun(page, { scenario: 'build_error' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  const err = page.getByTestId('run-error');
  await err.waitFor();
  assert.match(await err.textContent(), /build failed/);
  assert.match(await page.getByRole('region', { name: 'Build progress' }).textContent(), /non-zero code: 127/);
  assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).isEnabled(), true);
});

await test('without an engine the status names what was tried; Retry reconnects', async (page) => {
  await runCtl(page, { engineUp: false });
  await openByTyping(page);
  await page.getByRole('tab', { name: 'Run' }).click();
  const status = page.getByTestId('engine-status');
  await status.getByText('No container engine reachable.', { exact: true }).waitFor();
  await status.locator('summary').click();
  assert.match(await status.textContent(), /docker\.sock \(default socket\): no socket/);
  await runCtl(page, { engineUp: true });
  await page.getByRole('button', { name: 'Retry' }).click();
  await status.getByText('unix:///var/run/docker.sock').waitFor();
  assert.equal((await calls(page, 'engine_status')).length, 2);
});

await test('Stop & remove removes the container and image and stops following its log', async (page) => {
  await openRun(page, { scenario: 'healthy' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('log-lines').getByText('starting httpd').waitFor();
  await page.getByRole('button', { name: 'Stop & remove' }).click();
  const stopped = page.getByTestId('run-stopped');
  await stopped.waitFor();
  assert.match(await stopped.textContent(), /Removed berth-flask-redis-a1b2c3, and the images berth-flask-redis-a1b2c3:dev/);
  assert.deepEqual(await calls(page, 'down_project'), [{ root: ROOT, removeImages: true }]);
  assert.equal(await page.getByTestId('log-lines').count(), 0);
  // The log follow and the folder watch both stopped.
  assert.equal((await calls(page, 'stop_stream')).length, 2);
});

await test('leaving the Run view stops the log follow; the tabs work from the keyboard', async (page) => {
  await openRun(page, { scenario: 'healthy' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('log-lines').getByText('starting httpd').waitFor();
  await page.getByRole('tab', { name: 'Run' }).focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getByRole('tab', { name: 'Files' }).getAttribute('aria-selected'), 'true');
  await page.waitForFunction(() => window.__berth.calls.filter((c) => c.cmd === 'stop_stream').length === 1);
  await page.keyboard.press('ArrowRight');
  // The run is kept across views: the result and a fresh follow of the log.
  await page.getByTestId('run-healthy').waitFor();
  await page.waitForFunction(() => window.__berth.calls.filter((c) => c.cmd === 'follow_logs').length === 2);
});

await test('changed sources after a run offer a rebuild on the same port', async (page) => {
  await openRun(page, { scenario: 'conflict' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
  await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'watch_project'));
  assert.deepEqual((await calls(page, 'watch_project')).map((a) => a.root), [ROOT]);
  await page.evaluate(() => window.__berth.run.change(['app.py', 'templates/index.html']));
  const offer = page.getByTestId('sources-changed');
  await offer.waitFor();
  assert.match(await offer.textContent(), /app\.py, templates\/index\.html/);
  await offer.getByRole('button', { name: 'Rebuild & restart' }).click();
  await page.getByTestId('progress-label').waitFor();
  assert.deepEqual((await calls(page, 'up_project')).map((a) => a.hostPort), [null, 8081]);
  assert.equal(await offer.count(), 0);
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
});

await test('the Run view in the dark theme', async (page) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openRun(page, { scenario: 'conflict' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
  await page.getByTestId('log-lines').getByText('disk almost full').waitFor();
  const red = await page.locator('.ansi-fg-1').evaluate((e) => getComputedStyle(e).color);
  assert.equal(red, 'rgb(255, 123, 114)');
  await page.screenshot({ path: join(shots, 'ui-run-dark.png') });
});

// ---- The Containers view (e2e-ui/containers.mjs) ----
const { containersTests } = await import('./containers.mjs');
await containersTests({ test, calls, shots });

// ---- The Kubernetes view (e2e-ui/k8s.mjs) ----
await k8sTests({ test, openByTyping, calls, code, ROOT, shots });
await deployTests({ test, openByTyping, calls, ROOT, shots });

await test('a folder with only its own Dockerfile opens, offers nothing to generate and runs', async (page) => {
  await pathField(page).fill('/projects/own-dockerfile');
  await pathField(page).press('Enter');
  const note = page.getByTestId('no-stack');
  await note.waitFor();
  assert.equal(await note.textContent(), 'No stack detected; Berth will build your Dockerfile as it is');
  assert.equal(await page.getByRole('button', { name: /Write files/ }).count(), 0);
  assert.equal((await calls(page, 'preview_files')).length, 0);
  await page.keyboard.press('Control+s');
  assert.equal((await calls(page, 'write_files')).length, 0);
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('engine-status').getByText('unix:///var/run/docker.sock').waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('progress-label').waitFor();
  await page.evaluate(() => window.__berth.run.release());
  await page.getByTestId('run-healthy').waitFor();
  assert.deepEqual((await calls(page, 'up_project')).map((a) => a.root), ['/projects/own-dockerfile']);
});

const { checkTests } = await import('./check.mjs');
await checkTests({ test, shots, calls, openByTyping, ROOT });
const { benchTests } = await import('./bench.mjs');
await benchTests({ test, shots, calls, openByTyping, ROOT });

await test('a launch asks for a folder and a view: the window opens the folder, then shows the view', async (page) => {
  await page.getByRole('heading', { name: 'Drop a project folder here' }).waitFor();
  await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'app_requests'));
  // What a second `berth-app /projects/flask-redis` (or `berth open`) hands the running window.
  await page.evaluate((root) => window.__berth.request({ kind: 'open_folder', path: root }), ROOT);
  await page.getByTestId('stack').waitFor();
  assert.deepEqual(await calls(page, 'open_project'), [{ path: ROOT }]);
  assert.equal(await pathField(page).inputValue(), ROOT);
  // `berth-app --view containers`.
  await page.evaluate(() => window.__berth.request({ kind: 'show_view', view: 'containers' }));
  await page.getByTestId('container-row').first().waitFor();
  assert.equal(await page.evaluate(() => window.location.hash), '#containers');
  // A folder while on the containers view brings the project view back.
  await page.evaluate((root) => window.__berth.request({ kind: 'open_folder', path: root }), ROOT);
  await page.getByTestId('stack').waitFor();
  assert.equal((await calls(page, 'open_project')).length, 2);
});

await test('Settings: launch at login is off until turned on, and can be turned off again', async (page) => {
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  const box = dialog.getByRole('checkbox', { name: /Launch Berth at login/ });
  await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'launch_at_login'));
  assert.equal(await box.isChecked(), false);
  assert.match(await dialog.textContent(), /Closing the window keeps Berth running in the tray/);
  await page.screenshot({ path: join(shots, 'ui-settings.png') });
  await box.check();
  await page.waitForFunction(() => window.__berth.loginEnabled());
  assert.deepEqual(await calls(page, 'set_launch_at_login'), [{ enabled: true }]);
  await box.uncheck();
  await page.waitForFunction(() => !window.__berth.loginEnabled());
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

await browser.close();
server.close();
if (failures) {
  console.log(`${failures} UI test(s) failed`);
  process.exit(1);
}
console.log('all UI tests passed');
