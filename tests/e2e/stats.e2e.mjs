// End-to-end test of live stats in the real desktop app (tauri-driver + WebKitWebDriver):
// a labelled busybox container burns some CPU on the real engine; the app's Containers view
// lists it with a drawn sparkline, and its detail's uPlot chart receives points from the
// live channel. Saves docs/screenshot-stats.png. The container and its image are removed at
// the end, also on failure. Run by scripts/e2e.sh.
import { spawn, execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.env.BERTH_APP_BIN ?? join(repo, 'target/app/release/berth-app');
const driverBin = process.env.TAURI_DRIVER ?? 'tauri-driver';
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const base = `http://127.0.0.1:${port}`;
const screenshot = process.env.BERTH_STATS_SCREENSHOT ?? join(repo, 'docs/screenshot-stats.png');
const DOCKER = '/usr/bin/docker';
const TIMEOUT_MS = 45000;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
    await sleep(200);
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

const docker = (...args) => execFileSync(DOCKER, args, { encoding: 'utf8' }).trim();
const quiet = (...args) => {
  try {
    execFileSync(DOCKER, args, { stdio: 'ignore' });
  } catch {
    // already gone
  }
};

const tag = `berth-e2e/busybox:stats-${process.pid}`;
const name = `berth-e2e-stats-${process.pid}`;
const ctx = await mkdtemp(join(tmpdir(), 'berth-e2e-stats-'));
let driver;
let session;
let ok = false;
try {
  // A busybox image FROM scratch (no registry) and a container burning ~30% of a core.
  await copyFile('/bin/busybox', join(ctx, 'busybox'));
  await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
  docker('build', '-q', '--label', 'dev.berth.test=e2e-stats', '-t', tag, ctx);
  docker('run', '-d', '--name', name, '--label', 'dev.berth.test=e2e-stats', '--cpus', '0.3', '-m', '64m',
    tag, 'sh', '-c', 'while :; do :; done');

  const native = process.env.TAURI_NATIVE_PORT ? ['--native-port', process.env.TAURI_NATIVE_PORT] : [];
  driver = spawn(driverBin, ['--port', String(port), ...native], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForDriver(driver);
  session = (
    await wd('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } },
    })
  ).sessionId;
  const s = `/session/${session}`;
  const exec = (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args });
  const click = async (css, textIs) => {
    const els = await wd('POST', `${s}/elements`, { using: 'css selector', value: css });
    for (const el of els) {
      const t = await wd('GET', `${s}/element/${el[ELEMENT]}/text`);
      if (textIs === undefined || t.trim() === textIs) {
        await wd('POST', `${s}/element/${el[ELEMENT]}/click`, {});
        return true;
      }
    }
    return false;
  };

  // 1. The Containers view from the header's nav.
  await until('the header nav', () => click('nav[aria-label="Views"] button', 'Containers'));
  const row = `[data-testid="container-row"][data-name="${name}"]`;
  await until('our container in the list', () => exec(`return !!document.querySelector('${row}')`));

  // 2. Its CPU sparkline is drawn from live samples (sparklines draw while on screen: other
  // containers on the engine may list first), and the number reads a busy container.
  await exec(`document.querySelector('${row}').scrollIntoView({ block: 'center' })`);
  await until('a drawn sparkline', () =>
    exec(`return Number(document.querySelector('${row} canvas')?.getAttribute('data-points') ?? 0) >= 3`),
  );
  const drawn = await exec(`
    const c = document.querySelector('${row} canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;`);
  assert.ok(drawn > 20, `the sparkline has painted pixels (${drawn})`);
  const cpu = await until('a CPU reading', async () => {
    const t = await exec(`return document.querySelector('${row} [data-testid=cpu]')?.textContent ?? ''`);
    return /%$/.test(t) && parseFloat(t) > 5 ? t : null;
  });
  console.log(`e2e: ${name} reads ${cpu} CPU`);

  // 3. Its detail: the uPlot CPU chart starts from the history and keeps receiving points.
  await until('the detail', () => click(`${row} button.link`));
  await until('the CPU chart', () => exec('return !!document.querySelector("[data-testid=chart-cpu] .uplot canvas")'));
  const points = () => exec('return Number(document.querySelector("[data-testid=chart-cpu]")?.getAttribute("data-points") ?? 0)');
  const first = await until('chart points', async () => {
    const n = await points();
    return n >= 2 ? n : null;
  });
  await until('more points from the channel', async () => (await points()) > first);
  // A few more seconds of samples for the screenshot.
  await until('ten points', async () => (await points()) >= 10);
  const legend = await exec(
    'return [...document.querySelectorAll("[data-testid=chart-cpu] .u-legend .u-value")].map((v) => v.textContent)',
  );
  assert.match(legend.at(-1), /^\d+(\.\d+)?%$/, `CPU legend value: ${legend}`);
  const memLegend = await exec(
    'return [...document.querySelectorAll("[data-testid=chart-mem] .u-legend .u-value")].map((v) => v.textContent)',
  );
  assert.match(memLegend.at(-1), /MiB$/, `the 64 MiB limit: ${memLegend}`);

  // WebKit's screenshot is the last composited frame: let two frames paint first.
  await wd('POST', `${s}/execute/async`, {
    script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));',
    args: [],
  });
  await mkdir(dirname(screenshot), { recursive: true });
  await writeFile(screenshot, Buffer.from(await wd('GET', `${s}/screenshot`), 'base64'));
  console.log(`e2e: screenshot saved to ${screenshot}`);
  ok = true;
  console.log(`e2e: ok — ${name} listed with a sparkline; its CPU chart grew from ${first} points, legend ${legend.at(-1)}`);
} catch (e) {
  console.error(`e2e: FAILED: ${e.stack ?? e}`);
  if (session) {
    const dir = join(repo, 'tests/e2e/screenshots');
    await mkdir(dir, { recursive: true });
    const shot = await wd('GET', `/session/${session}/screenshot`).catch(() => null);
    if (shot) await writeFile(join(dir, 'failure-stats.png'), Buffer.from(shot, 'base64'));
    const html = await wd('GET', `/session/${session}/source`).catch((err) => String(err));
    console.error(`e2e: page at failure (tests/e2e/screenshots/failure-stats.png):\n${String(html).slice(0, 3000)}`);
  }
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  driver?.kill('SIGTERM');
  quiet('rm', '-f', name);
  quiet('rmi', '-f', tag);
  await rm(ctx, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
