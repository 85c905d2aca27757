// Berth in a real tray, under Xvfb: xfwm4 (closing goes through the window manager, as the
// close button does), xfce4-panel (a StatusNotifierWatcher with a host) and dunst (a
// notification daemon), on the spec's own session bus (scripts/e2e.sh runs each spec in
// `dbus-run-session -- xvfb-run`).
//   1. No tray host yet: closing the window quits Berth (exit 0).
//   2. With the panel: Berth's item is in RegisteredStatusNotifierItems (dbus-send); its
//      menu (com.canonical.dbusmenu GetLayout) lists a running container with Start/Stop,
//      Open Berth and Quit; clicking the container's Stop (dbusmenu Event) stops it on the
//      real engine; closing the window hides it and Berth stays alive, and the first close
//      notifies (seen in dunst's history); Open Berth shows the window again; Quit ends
//      Berth (exit 0) and the window's size is remembered (window-state file).
// The container and its image are removed at the end, also on failure; the daemons this
// spec started are ended by pid.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { repo } from './harness.mjs';
import {
  alive, clickMenu, closeWindow, freshHome, itemOfPid, itemProp, menuOf, notifications, run,
  startNotificationDaemon, startTrayHost, startWindowManager, stopAll, tryRun, until, windowShown,
} from './desktop.mjs';

const appBin = process.env.BERTH_APP_BIN ?? join(repo, 'target/app/release/berth-app');
const DOCKER = '/usr/bin/docker';
const TITLE = 'Berth';
const tag = `berth-e2e/busybox:tray-${process.pid}`;
// Sorts first among running containers: the tray lists at most 15, by name (a shared engine
// may run others).
const name = `0berth-e2e-tray-${process.pid}`;

/** Starts the app; resolves its exit code when it ends. */
function startApp(env) {
  const child = spawn(appBin, [], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, pid: child.pid, exited };
}

async function exitCodeWithin(app, what) {
  const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('still running'), 60000))]);
  assert.equal(code, 0, what);
}

const { home, env } = freshHome();
const ctx = await mkdtemp(join(tmpdir(), 'berth-e2e-tray-'));
let ok = false;
const apps = [];
try {
  // A running busybox container (image FROM scratch, no registry) for the tray's menu.
  await copyFile('/bin/busybox', join(ctx, 'busybox'));
  await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
  run(DOCKER, ['build', '-q', '--label', 'dev.berth.test=e2e-tray', '-t', tag, ctx]);
  run(DOCKER, ['run', '-d', '--name', name, '--label', 'dev.berth.test=e2e-tray', tag, '/bin/busybox', 'sleep', '3600']);

  await startWindowManager(env);

  // 1. No tray host: closing quits, as before.
  const bare = startApp(env);
  apps.push(bare);
  await until('the window without a tray', () => windowShown(TITLE));
  closeWindow(TITLE);
  await exitCodeWithin(bare, 'without a tray host, closing the window quits');
  console.log('e2e: without a tray host, closing the window quits Berth');

  // 2. With a tray host and a notification daemon.
  await startTrayHost(env);
  await startNotificationDaemon(env);
  const app = startApp(env);
  apps.push(app);
  await until('the window', () => windowShown(TITLE));
  const item = await until("Berth's item in RegisteredStatusNotifierItems", () => itemOfPid(app.pid));
  console.log(`e2e: tray item ${item.bus}${item.path}, title ${itemProp(item, 'Title')}, status ${itemProp(item, 'Status')}`);
  // The item is named for the app, not for its binary (berth-app).
  if (itemProp(item, 'Title') !== "'Berth'") throw new Error(`the tray item's Title is ${itemProp(item, 'Title')}, not Berth`);

  // The menu, as the panel reads it, lists our container once the hub has seen it.
  const containerEntry = (m) => m.entries.find((e) => e.label?.includes(name));
  const menu = await until('our container in the tray menu', () => {
    const m = menuOf(item);
    return containerEntry(m) ? m : null;
  });
  const labels = menu.entries.map((e) => e.label).filter(Boolean);
  console.log(`e2e: tray menu: ${labels.filter((l) => !/^(Start|Stop|Restart|Logs|Remove)$/.test(l) && (!/^[●○] /.test(l) || l.includes(name))).join(' | ')}`);
  assert.ok(labels.includes('Open Berth') && labels.includes('Quit'), labels.join(' | '));
  const entry = containerEntry(menu);
  assert.match(entry.label, /^● /, 'listed as running');
  const after = menu.entries.slice(menu.entries.indexOf(entry) + 1);
  const stop = after.find((e) => e.label === 'Stop');
  const start = after.find((e) => e.label === 'Start');
  assert.ok(stop?.enabled && start && !start.enabled, `Stop enabled, Start disabled: ${JSON.stringify(after.slice(0, 3))}`);

  // Stop from the tray: the real container stops, and the menu follows.
  clickMenu(item, menu.path, stop.id);
  await until('the container stopped', () => run(DOCKER, ['inspect', '-f', '{{.State.Running}}', name]) === 'false');
  await until('the menu showing it stopped', () => containerEntry(menuOf(item))?.label.startsWith('○ '));
  console.log('e2e: Stop from the tray menu stopped the container');

  // Close: hidden, alive, and told once.
  closeWindow(TITLE);
  await until('the window hidden', () => !windowShown(TITLE));
  assert.ok(alive(app.pid), 'Berth keeps running in the tray');
  const notice = await until('the first-close notification at dunst', () =>
    notifications().find((n) => n.summary === 'Berth is still running'),
  );
  assert.match(notice.body, /tray/);
  assert.ok(existsSync(join(env.XDG_CONFIG_HOME, 'dev.berth.app', 'closed-to-tray')), 'the notice is remembered');
  console.log(`e2e: closed to the tray; dunst got "${notice.summary}: ${notice.body}"`);

  // Open Berth from the tray.
  const current = menuOf(item);
  clickMenu(item, current.path, current.entries.find((e) => e.label === 'Open Berth').id);
  await until('the window shown again', () => windowShown(TITLE));
  assert.ok(alive(app.pid));

  // Quit from the tray: the process ends, the window's size is remembered.
  clickMenu(item, current.path, current.entries.find((e) => e.label === 'Quit').id);
  await exitCodeWithin(app, 'Quit ends Berth');
  const state = JSON.parse(await readFile(join(env.XDG_CONFIG_HOME, 'dev.berth.app', '.window-state.json'), 'utf8'));
  assert.ok(state.main?.width > 0 && state.main?.height > 0, JSON.stringify(state));
  assert.equal(
    notifications().filter((n) => n.summary === 'Berth is still running').length,
    1,
    'the close-to-tray notice shows once',
  );
  console.log(`e2e: Quit from the tray; window state saved (${state.main.width}x${state.main.height})`);
  ok = true;
  console.log('e2e: ok — tray: no host quits; item, menu, Stop, close to tray + notification, Open, Quit');
} catch (e) {
  console.error(`e2e: FAILED: ${e.stack ?? e}`);
  mkdirSync(join(repo, 'tests/e2e/screenshots'), { recursive: true });
  tryRun('import', ['-window', 'root', join(repo, 'tests/e2e/screenshots/failure-tray.png')]);
} finally {
  for (const a of apps) if (alive(a.pid)) a.child.kill('SIGTERM');
  stopAll();
  tryRun(DOCKER, ['rm', '-f', name]);
  tryRun(DOCKER, ['rmi', '-f', tag]);
  await rm(ctx, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
