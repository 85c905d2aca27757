// One Berth per session (tauri-plugin-single-instance over the spec's own session bus): with
// the app running under WebDriver, a second `berth-app FOLDER` hands the folder to it and
// exits 0 at once, and the first window opens the folder; `berth open FOLDER` (the CLI) does
// the same; `berth-app --view containers` switches the running window to the Containers view.
// Checked through the first window's UI. Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
//   BERTH_CLI_BIN  the `berth` CLI (default target/app/release/berth)
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec } from './harness.mjs';
import { freshHome } from './desktop.mjs';

const appBin = process.env.BERTH_APP_BIN ?? join(repo, 'target/app/release/berth-app');
const cliBin = process.env.BERTH_CLI_BIN ?? join(repo, 'target/app/release/berth');
const until = poller(30000, 150);

// A clean config folder: no window state or login item from elsewhere (inherited by the app
// through tauri-driver and WebKitWebDriver).
const { home, env } = freshHome();
Object.assign(process.env, { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, XDG_DATA_HOME: env.XDG_DATA_HOME });

const work = await mkdtemp(join(tmpdir(), 'berth-e2e-single-'));
const flask = join(work, 'flask-redis');
const express = join(work, 'express');

/** Runs a second instance; it must hand over and exit 0 (bounded wait, not a timing check). */
function second(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', timeout: 60000, env: { ...process.env, ...extraEnv } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return r;
}

await runSpec({
  failureShot: 'failure-single-instance.png',
  async setup() {
    await cp(join(repo, 'tests/fixtures/python-flask-redis'), flask, { recursive: true });
    await cp(join(repo, 'tests/fixtures/node-express-npm'), express, { recursive: true });
  },
  async body({ text, exec }) {
    const pathField = () => exec('return document.querySelector(\'input[aria-label="Project folder path"]\')?.value ?? null');
    const stack = () => text('[data-testid="stack"]').catch(() => '');
    await until('the first window', () => exec('return !!document.querySelector(\'nav[aria-label="Views"]\')'));

    // 1. `berth-app flask-redis` (relative to its directory) while Berth runs.
    second(appBin, ['flask-redis']);
    await until('the folder opened in the first window', async () => (await pathField()) === flask);
    assert.match(await until('its detection', async () => ((await stack()).includes('Flask') ? stack() : null)), /Python · Flask/);
    console.log('e2e: a second berth-app FOLDER opened it in the running window');

    // 2. `berth open express` from the CLI (it starts berth-app, which hands over).
    const r = second(cliBin, ['open', 'express'], { BERTH_APP: appBin });
    assert.match(r.stdout, /Opening express in Berth/);
    await until('the CLI-opened folder', async () => (await pathField()) === express);
    assert.match(await until('its detection', async () => ((await stack()).includes('Node') ? stack() : null)), /Node/);
    console.log('e2e: berth open FOLDER opened it in the running window');

    // 3. `berth-app --view containers`.
    second(appBin, ['--view', 'containers']);
    await until('the Containers view', () => exec('return window.location.hash === "#containers"'));
    const current = await exec('return document.querySelector(\'nav[aria-label="Views"] [aria-current="page"]\')?.textContent.trim()');
    assert.equal(current, 'Containers');
    return 'single instance: a second berth-app FOLDER, berth open FOLDER and --view containers reach the running window';
  },
  async cleanup() {
    await rm(work, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  },
});
