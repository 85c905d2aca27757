// The Run panel's Platform picker in the real window, on the real engine, on this amd64
// machine: a temp folder with its own Dockerfile (FROM scratch + Debian's static arm64
// busybox, prepared by scripts/arm64-busybox.sh; RUN steps that record `uname -m` while the
// image builds) is run for linux/arm64. The build and the container run under QEMU
// (binfmt_misc; scripts/setup-debian.sh registers it): the page served says aarch64 for both
// the build and the run, and the image is an arm64 one. Stop & remove leaves nothing.
// Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec } from './harness.mjs';

const DOCKER = '/usr/bin/docker';
const until = poller(300000, 250);
const ids = (args) => execFileSync(DOCKER, args, { encoding: 'utf8' }).split(/\s+/).filter(Boolean);

const busybox = execFileSync('bash', [join(repo, 'scripts/arm64-busybox.sh')], { encoding: 'utf8' }).trim();
const work = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-arm64-')));
const folder = join(work, 'arm');
await mkdir(folder);
await copyFile(busybox, join(folder, 'busybox'));
await writeFile(
  join(folder, 'Dockerfile'),
  [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'RUN mkdir -p /www && mkdir -m 1777 /tmp && echo "built on $(uname -m)" > /www/index.html',
    'USER 65534',
    'EXPOSE 8080',
    // The page says where it was built; /now.txt is written at start, by the running arch.
    'CMD ["/bin/busybox", "sh", "-c", "cp -r /www /tmp/www && echo \\"runs on $(uname -m)\\" > /tmp/www/now.txt && exec httpd -f -p 8080 -h /tmp/www"]',
    '',
  ].join('\n'),
);

function leftovers() {
  const filter = `label=dev.berth.project=${folder}`;
  return { containers: ids(['ps', '-aq', '--filter', filter]), images: ids(['images', '-q', '--filter', filter]) };
}

await runSpec({
  failureShot: 'failure-arm64.png',
  async body({ find, xfind, text, click, exec, type }) {
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');
    await click(await until('the Run tab', () => find('#view-tab-run')));
    await until('the Platform picker', () => find('[data-testid="run-platform"]'));
    const options = await exec('return [...document.querySelectorAll("[data-testid=run-platform] option")].map((o) => o.value)');
    assert.ok(options.includes('linux/arm64'), JSON.stringify(options));
    await exec('const s = document.querySelector("[data-testid=run-platform]"); s.value = "linux/arm64"; s.dispatchEvent(new Event("change", { bubbles: true }));');
    await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Run']"));
    await until('healthy', () => text('[data-testid="run-healthy"]'));
    const url = await text('[data-testid="app-url"]');
    const port = Number(url.split(':').pop());
    const page = async (path) => (await (await fetch(`http://127.0.0.1:${port}${path}`)).text()).trim();
    assert.equal(await page('/'), 'built on aarch64');
    assert.equal(await page('/now.txt'), 'runs on aarch64');
    const [image] = leftovers().images;
    assert.ok(image, 'the image was built');
    assert.equal(execFileSync(DOCKER, ['image', 'inspect', '-f', '{{.Architecture}}', image], { encoding: 'utf8' }).trim(), 'arm64');
    await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Stop & remove']"));
    await until('stopped', () => text('[data-testid="run-stopped"]'));
    assert.deepEqual(leftovers().containers, [], 'no container left');
    return `picked linux/arm64 in the Run panel: built and ran under QEMU (${url} says aarch64), image arm64`;
  },
  async cleanup() {
    try {
      const { containers, images } = leftovers();
      if (containers.length) execFileSync(DOCKER, ['rm', '-f', ...containers], { stdio: 'ignore' });
      if (images.length) execFileSync(DOCKER, ['rmi', '-f', ...new Set(images)], { stdio: 'ignore' });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
});
