// The desktop around the app in the real-window tests: a window manager (xfwm4, so closing a
// window goes through WM_DELETE_WINDOW as the title bar's close button does), a tray host
// (xfce4-panel: its systray plugin is an org.kde.StatusNotifierWatcher with a host), a
// notification daemon (dunst), and the session-bus calls that read and drive a tray item the
// way a panel does (StatusNotifierItem + com.canonical.dbusmenu). Everything runs inside the
// spec's own `dbus-run-session -- xvfb-run` (scripts/e2e.sh); what is started here is ended
// by pid in `stopAll`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poller } from './harness.mjs';

export const until = poller(60000, 200);

/** Runs a program; its trimmed stdout, or throws with its stderr. */
export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}

/** Like `run`, but null instead of throwing. */
export function tryRun(cmd, args, opts = {}) {
  try {
    return run(cmd, args, opts);
  } catch {
    return null;
  }
}

const started = [];

/** Starts a daemon (its output to a log in the temp dir); ended by `stopAll`. */
export function startDaemon(cmd, args = [], env = {}) {
  const child = spawn(cmd, args, { stdio: 'ignore', env: { ...process.env, ...env } });
  started.push(child);
  return child;
}

export function stopAll() {
  for (const child of started.splice(0).reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

/** A fresh HOME/XDG folder for the session (panel and app settings land there). */
export function freshHome() {
  const home = mkdtempSync(join(tmpdir(), 'berth-e2e-home-'));
  return {
    home,
    env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), XDG_CACHE_HOME: join(home, '.cache') },
  };
}

/** Starts xfwm4 and waits until it manages the screen. */
export async function startWindowManager(env) {
  startDaemon('xfwm4', ['--compositor=off'], env);
  await until('xfwm4 managing the screen', () => /Xfwm4/.test(tryRun('wmctrl', ['-m']) ?? ''));
}

/** Starts xfce4-panel and waits until it is a StatusNotifierWatcher with a host registered. */
export async function startTrayHost(env) {
  startDaemon('xfce4-panel', [], env);
  await until('a StatusNotifierWatcher with a host', () => watcherProp('IsStatusNotifierHostRegistered') === 'true');
}

/** Starts dunst and waits until it owns org.freedesktop.Notifications. */
export async function startNotificationDaemon(env) {
  startDaemon('dunst', [], env);
  await until('dunst on the bus', () => nameHasOwner('org.freedesktop.Notifications'));
}

function gdbus(dest, path, method, ...args) {
  // `--`: arguments such as -1 are values, not options.
  return run('gdbus', ['call', '--session', '--dest', dest, '--object-path', path, '--method', method, '--', ...args]);
}

export function nameHasOwner(name) {
  return gdbus('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', name) === '(true,)';
}

/** A property of the watcher, as gdbus prints its value (`true`, `['…']`). */
function watcherProp(prop) {
  if (!nameHasOwner('org.kde.StatusNotifierWatcher')) return null;
  const out = gdbus('org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher', 'org.freedesktop.DBus.Properties.Get',
    'org.kde.StatusNotifierWatcher', prop);
  return out.replace(/^\(<(.*)>,\)$/s, '$1');
}

/** The watcher's RegisteredStatusNotifierItems, read with dbus-send (as the issue asks). */
export function registeredItems() {
  const out = run('dbus-send', ['--session', '--print-reply', '--dest=org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher',
    'org.freedesktop.DBus.Properties.Get', 'string:org.kde.StatusNotifierWatcher', 'string:RegisteredStatusNotifierItems']);
  return [...out.matchAll(/string "([^"]*)"/g)].map((m) => m[1]);
}

/** The tray item of process `pid`: its bus name and object path, or null. */
export function itemOfPid(pid) {
  for (const entry of registeredItems()) {
    const slash = entry.indexOf('/');
    const bus = slash > 0 ? entry.slice(0, slash) : entry;
    const path = slash > 0 ? entry.slice(slash) : '/StatusNotifierItem';
    const owner = tryRun('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
      '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', bus]);
    if (owner === `(uint32 ${pid},)`) return { bus, path };
  }
  return null;
}

/** A StatusNotifierItem property as gdbus prints it. */
export function itemProp(item, prop) {
  return gdbus(item.bus, item.path, 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', prop)
    .replace(/^\(<(.*)>,\)$/s, '$1');
}

/** The item's menu (com.canonical.dbusmenu GetLayout): [{ id, label, enabled, depth }]. */
export function menuOf(item) {
  const path = itemProp(item, 'Menu').replace(/^objectpath '(.*)'$/, '$1');
  const layout = gdbus(item.bus, path, 'com.canonical.dbusmenu.GetLayout', '0', '-1', '[]');
  const entries = [];
  let depth = 0;
  // Each node prints as `(ID, {props}, [children])`; brackets give the nesting.
  const node = /\((\d+), \{([^}]*)\}, (?:@av )?\[/g;
  let last = 0;
  for (const m of layout.matchAll(node)) {
    const between = layout.slice(last, m.index);
    depth += (between.match(/\[/g) ?? []).length - (between.match(/\]/g) ?? []).length;
    last = m.index + m[0].length;
    const props = m[2];
    const label = props.match(/'label': <'((?:[^'\\]|\\.)*)'>/)?.[1];
    const enabled = !/'enabled': <false>/.test(props);
    const separator = /'type': <'separator'>/.test(props);
    entries.push({ id: Number(m[1]), label: label?.replace(/_(?=\S)/g, '') ?? null, enabled, separator, depth });
    depth += 1;
  }
  return { path, entries };
}

/** Clicks a menu entry the way a panel does (com.canonical.dbusmenu Event "clicked"). */
export function clickMenu(item, menuPath, id) {
  gdbus(item.bus, menuPath, 'com.canonical.dbusmenu.Event', String(id), 'clicked', '<int32 0>', '0');
}

/** Whether a top-level window titled exactly `title` is mapped (shown). */
export function windowShown(title) {
  return tryRun('xdotool', ['search', '--onlyvisible', '--name', `^${title}$`]) !== null;
}

/** Asks the window manager to close the window (as the title bar's close button does). */
export function closeWindow(title) {
  run('wmctrl', ['-c', title]);
}

/** The notifications dunst has shown, newest first: [{ summary, body, appname }]. Those on
 * screen are closed first (dunst's history holds closed ones). */
export function notifications() {
  tryRun('dunstctl', ['close-all']);
  const out = tryRun('dunstctl', ['history']);
  if (!out) return [];
  const data = JSON.parse(out).data?.[0] ?? [];
  return data.map((n) => ({ summary: n.summary?.data, body: n.body?.data, appname: n.appname?.data }));
}

/** Whether process `pid` is alive. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
