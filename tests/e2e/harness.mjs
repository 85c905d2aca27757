// The shared WebDriver harness of the real-window tests (tests/e2e/*.e2e.mjs): plain W3C
// WebDriver over fetch (no client library), talking to tauri-driver + WebKitWebDriver, which
// start the release binary (UI embedded). `runSpec` opens a session on the app, runs the
// spec's body, saves a screenshot and the page source on failure, always runs the spec's
// cleanup, and exits the process 0 (passed) or 1.
//   BERTH_APP_BIN       the app binary (default target/app/release/berth-app)
//   TAURI_DRIVER        tauri-driver's path (default: on PATH)
//   TAURI_DRIVER_PORT   its WebDriver port (default 4444); TAURI_NATIVE_PORT its native port
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appBin = process.env.BERTH_APP_BIN ?? join(repo, 'target/app/release/berth-app');
const driverBin = process.env.TAURI_DRIVER ?? 'tauri-driver';
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const base = `http://127.0.0.1:${port}`;

/** The W3C key of an element reference in WebDriver answers. */
export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One WebDriver call; a non-2xx answer throws with the driver's message. */
export async function wd(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/**
 * `until(what, fn, timeout?)`: polls `fn` every `intervalMs` until it returns a truthy value
 * (WebDriver has no event to wait on); throws naming `what` (and the last error) on timeout.
 */
export function poller(timeoutMs, intervalMs) {
  return async function until(what, fn, timeout = timeoutMs) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await sleep(intervalMs);
    }
    throw new Error(`timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
  };
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

/** Starts tauri-driver and a WebDriver session on the app; `state` gets both as they exist. */
async function openSession(state) {
  const native = process.env.TAURI_NATIVE_PORT ? ['--native-port', process.env.TAURI_NATIVE_PORT] : [];
  state.driver = spawn(driverBin, ['--port', String(port), ...native], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForDriver(state.driver);
  const { sessionId } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: appBin } } },
  });
  state.session = sessionId;
  const s = `/session/${sessionId}`;
  const find = async (css) => (await wd('POST', `${s}/element`, { using: 'css selector', value: css }))[ELEMENT];
  const xfind = async (xpath) => (await wd('POST', `${s}/element`, { using: 'xpath', value: xpath }))[ELEMENT];
  return {
    /** The session's path prefix, for calls the helpers below do not cover. */
    s,
    find,
    xfind,
    text: async (css) => wd('GET', `${s}/element/${await find(css)}/text`),
    click: (el) => wd('POST', `${s}/element/${el}/click`, {}),
    exec: (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args }),
    /** Types `text` into a cleared field (`\uE007` is Enter). */
    async type(el, text) {
      await wd('POST', `${s}/element/${el}/clear`, {});
      await wd('POST', `${s}/element/${el}/value`, { text });
    },
    /** Saves a PNG of the window. WebKit's screenshot is the last composited frame: let two frames paint first. */
    async screenshot(path) {
      await wd('POST', `${s}/execute/async`, {
        script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));',
        args: [],
      });
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(await wd('GET', `${s}/screenshot`), 'base64'));
      console.log(`e2e: screenshot saved to ${path}`);
    },
  };
}

/**
 * Runs one spec: `setup()` (before the app starts), then `body(app)` on a fresh session; its
 * return value is the success line. On failure: tests/e2e/screenshots/<failureShot> and the
 * page source. Always: the session and tauri-driver closed, then `cleanup()`. Exits 0 or 1.
 */
export async function runSpec({ failureShot, setup, body, cleanup }) {
  const state = {};
  let ok = false;
  try {
    if (setup) await setup();
    const app = await openSession(state);
    const summary = await body(app);
    ok = true;
    console.log(`e2e: ok — ${summary}`);
  } catch (e) {
    console.error(`e2e: FAILED: ${e.stack ?? e}`);
    if (state.session) {
      const dir = join(repo, 'tests/e2e/screenshots');
      await mkdir(dir, { recursive: true });
      const shot = await wd('GET', `/session/${state.session}/screenshot`).catch(() => null);
      if (shot) await writeFile(join(dir, failureShot), Buffer.from(shot, 'base64'));
      const html = await wd('GET', `/session/${state.session}/source`).catch((err) => String(err));
      console.error(`e2e: page at failure (screenshot: tests/e2e/screenshots/${failureShot}):\n${String(html).slice(0, 3000)}`);
    }
  } finally {
    if (state.session) await wd('DELETE', `/session/${state.session}`).catch(() => {});
    state.driver?.kill('SIGTERM');
    try {
      if (cleanup) await cleanup();
    } catch (e) {
      console.error(`e2e: cleanup: ${e.message}`);
    }
  }
  process.exit(ok ? 0 : 1);
}
