// End-to-end test of live stats in the real desktop app (tauri-driver + WebKitWebDriver):
// a labelled busybox container burns some CPU on the real engine; the app's Containers view
// lists it with a drawn sparkline, and its detail's uPlot chart receives points from the
// live channel. Saves docs/screenshot-stats.png. The container and its image are removed at
// the end, also on failure. Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ELEMENT, poller, repo, runSpec, wd } from './harness.mjs';

const screenshot = process.env.BERTH_STATS_SCREENSHOT ?? join(repo, 'docs/screenshot-stats.png');
const DOCKER = '/usr/bin/docker';
const until = poller(45000, 200);

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

await runSpec({
  failureShot: 'failure-stats.png',
  async setup() {
    // A busybox image FROM scratch (no registry) and a container burning ~30% of a core.
    await copyFile('/bin/busybox', join(ctx, 'busybox'));
    await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
    docker('build', '-q', '--label', 'dev.berth.test=e2e-stats', '-t', tag, ctx);
    docker('run', '-d', '--name', name, '--label', 'dev.berth.test=e2e-stats', '--cpus', '0.3', '-m', '64m',
      tag, 'sh', '-c', 'while :; do :; done');
  },
  async body({ s, exec, screenshot: shoot }) {
    /** Clicks the first element matching `css` (whose text is `textIs`, when given). */
    const clickText = async (css, textIs) => {
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
    await until('the header nav', () => clickText('nav[aria-label="Views"] button', 'Containers'));
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
    await until('the detail', () => clickText(`${row} button.link`));
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

    await shoot(screenshot);
    return `${name} listed with a sparkline; its CPU chart grew from ${first} points, legend ${legend.at(-1)}`;
  },
  async cleanup() {
    quiet('rm', '-f', name);
    quiet('rmi', '-f', tag);
    await rm(ctx, { recursive: true, force: true });
  },
});
