// The real-build projects through the app's Run, in the real window on the real engine: each
// folder of tests/real (one per stack that can be built here) is copied fresh, opened by
// typing its path, and run with Berth's plan in memory (nothing written); the served page is
// checked (not only the health status), then Stop & remove leaves nothing of it. The same
// projects go through `berth up` in crates/cli/tests/real_builds.rs. Needs the stand-in base
// images (`make standins`) and the engine; dependencies come from PyPI and npm for real.
// Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec } from './harness.mjs';

const DOCKER = '/usr/bin/docker';
const until = poller(420000, 250);

/** A project, the page path to fetch and what its body must hold. */
const PROJECTS = [
  { name: 'python-pip-flask-redis', stack: 'Python', path: '/', needle: 'flask-redis says hello: visit 1' },
  { name: 'python-uv-fastapi', stack: 'Python', path: '/', needle: 'fastapi-uv says hello 3 times to uv' },
  { name: 'node-express-postgres', stack: 'Node', path: '/', needle: 'express-postgres says hello: database app, 40+2=42' },
  { name: 'node-vite-spa', stack: 'Node', path: '/', needle: '<title>vite-spa built by berth</title>' },
  { name: 'static-site', stack: 'Static', path: '/about/', needle: 'About this static site' },
];

const ids = (args) => execFileSync(DOCKER, args, { encoding: 'utf8' }).split(/\s+/).filter(Boolean);

function leftovers(folder) {
  const filter = `label=dev.berth.project=${folder}`;
  return { containers: ids(['ps', '-aq', '--filter', filter]), images: ids(['images', '-q', '--filter', filter]) };
}

/** The compose projects of the folder's containers (the compose tool labels volumes with those only). */
const composeProjects = new Set();
function noteComposeProject(folder) {
  const out = execFileSync(
    DOCKER,
    ['ps', '-a', '--filter', `label=dev.berth.project=${folder}`, '--format', '{{.Label "com.docker.compose.project"}}'],
    { encoding: 'utf8' },
  );
  for (const name of out.split(/\s+/).filter(Boolean)) composeProjects.add(name);
}

const work = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-real-')));
const folders = [];
for (const p of PROJECTS) {
  const folder = join(work, p.name);
  await cp(join(repo, 'tests/real', p.name), folder, { recursive: true });
  folders.push(folder);
}

await runSpec({
  failureShot: 'failure-realrun.png',
  async body({ find, xfind, text, click, exec, type }) {
    const done = [];
    for (const [i, p] of PROJECTS.entries()) {
      const folder = folders[i];
      const before = (await readdir(folder)).sort();
      // Open by typing the path (the field stays in the header once a project is open).
      const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
      await exec('const f = document.querySelector(\'input[aria-label="Project folder path"]\'); f.select();');
      await type(field, folder + '\uE007');
      await until(`${p.name}: the detection`, async () => {
        const opened = await exec('return document.querySelector(\'input[aria-label="Project folder path"]\').value');
        return opened === folder && (await text('[data-testid="stack"]')).includes(p.stack);
      });
      // Run, with Berth's plan in memory (these folders have no build files of their own).
      await click(await until('the Run tab', () => find('#view-tab-run')));
      const note = await until(`${p.name}: the build-from note`, () => text('[data-testid="build-from-note"]'));
      assert.match(note, /Berth's plan/, `${p.name}: ${note}`);
      await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Run']"));
      await until(`${p.name}: healthy`, () => text('[data-testid="run-healthy"]'));
      noteComposeProject(folder);
      const url = await text('[data-testid="app-url"]');
      const port = Number(url.split(':').pop());
      assert.ok(port > 0, `${p.name}: the app URL ${url}`);
      const body = await (await fetch(`http://127.0.0.1:${port}${p.path}`)).text();
      assert.ok(body.includes(p.needle), `${p.name}: expected ${JSON.stringify(p.needle)} in:\n${body}`);
      assert.deepEqual((await readdir(folder)).sort(), before, `${p.name}: nothing written into the folder`);
      await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Stop & remove']"));
      await until(`${p.name}: stopped`, () => text('[data-testid="run-stopped"]'));
      assert.deepEqual(leftovers(folder).containers, [], `${p.name}: no container left`);
      // Back to the project's files tab for the next folder.
      await click(await until('the Files tab', () => find('#view-tab-files')));
      done.push(`${p.name} on ${port}`);
    }
    return `ran and served: ${done.join(', ')}`;
  },
  async cleanup() {
    try {
      for (const folder of folders) {
        const { containers, images } = leftovers(folder);
        if (containers.length) execFileSync(DOCKER, ['rm', '-f', ...containers], { stdio: 'ignore' });
        if (images.length) execFileSync(DOCKER, ['rmi', '-f', ...images], { stdio: 'ignore' });
      }
      const filters = [
        ...folders.map((f) => `label=dev.berth.project=${f}`),
        ...[...composeProjects].map((c) => `label=com.docker.compose.project=${c}`),
      ];
      for (const filter of filters) {
        for (const [list, remove] of [
          [['ps', '-aq'], ['rm', '-f', '-v']],
          [['network', 'ls', '-q'], ['network', 'rm']],
          [['volume', 'ls', '-q'], ['volume', 'rm', '-f']],
        ]) {
          const found = ids([...list, '--filter', filter]);
          if (found.length) execFileSync(DOCKER, [...remove, ...found], { stdio: 'ignore' });
        }
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
});
