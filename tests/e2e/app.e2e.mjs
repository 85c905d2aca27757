// End-to-end test of the real desktop app: the release binary (UI embedded), driven through
// tauri-driver + WebKitWebDriver (tests/e2e/harness.mjs).
// A copy of tests/fixtures/python-flask-redis (plus a user-written compose.yaml) is opened
// through the path field; the test checks the detection, the generated Dockerfile, writes
// the files through the confirm dialog and checks the disk (replaced file + backup).
// Saves docs/screenshot.png. Run by scripts/e2e.sh (which builds and starts everything).
import { cp, mkdtemp, readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ELEMENT, poller, repo, runSpec, wd } from './harness.mjs';

const screenshot = process.env.BERTH_SCREENSHOT ?? join(repo, 'docs/screenshot.png');
const until = poller(20000, 150);

const USER_COMPOSE = 'services:\n  web:\n    build: .\n    ports:\n      - "5000:5000"\n';

const project = await mkdtemp(join(tmpdir(), 'berth-e2e-'));
const folder = join(project, 'flask-redis');

await runSpec({
  failureShot: 'failure.png',
  async setup() {
    await cp(join(repo, 'tests/fixtures/python-flask-redis'), folder, { recursive: true });
    await writeFile(join(folder, 'compose.yaml'), USER_COMPOSE);
  },
  async body({ s, find, text, exec, type, click, screenshot: shoot }) {
    // 1. The empty state, then open the folder through the path field (keyboard only).
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');

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

    await shoot(screenshot);

    // 4. Write: the confirm dialog names compose.yaml; confirming replaces it with a backup.
    await click(await find('header button.primary'));
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
    await click(buttons[confirm][ELEMENT]);
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
    return 'detected, previewed, confirmed, written with a backup';
  },
  cleanup: () => rm(project, { recursive: true, force: true }),
});
