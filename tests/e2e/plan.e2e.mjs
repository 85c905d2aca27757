// End-to-end test of "the plan the user sees is the plan that runs", in the real app on the
// real engine: a small Python project (stdlib http.server, an empty requirements.txt) with no
// Dockerfile of its own is opened, the port is edited in the plan form (never written), and
// Run builds Berth's plan in memory: the container listens on the edited port and serves the
// page, and the folder is left exactly as it was. Needs the python stand-in base image
// (`make standins`: no registry is reachable here) and the engine.
// Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, realpath, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, runSpec } from './harness.mjs';

const DOCKER = '/usr/bin/docker';
const until = poller(240000, 200);

/** A port nothing listens on now. */
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function leftovers(folder) {
  const filter = `label=dev.berth.project=${folder}`;
  const ids = (args) => execFileSync(DOCKER, args, { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
  return { containers: ids(['ps', '-aq', '--filter', filter]), images: ids(['images', '-q', '--filter', filter]) };
}

const project = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-plan-')));
const folder = join(project, 'hello-py');
await mkdir(folder);
await writeFile(join(folder, 'requirements.txt'), '# no dependencies: the standard library serves\n');
await writeFile(
  join(folder, 'main.py'),
  [
    'import http.server, os',
    '',
    'class Hello(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    "        body = f\"hello from port {os.environ['PORT']}\\n\".encode()",
    '        self.send_response(200)',
    '        self.send_header("Content-Length", str(len(body)))',
    '        self.end_headers()',
    '        self.wfile.write(body)',
    '',
    "http.server.HTTPServer(('0.0.0.0', int(os.environ['PORT'])), Hello).serve_forever()",
    '',
  ].join('\n'),
);
const before = (await readdir(folder)).sort();
// The edited port: the container port the app listens on (and, free, the host port too).
const edited = await freePort();

await runSpec({
  failureShot: 'failure-plan.png',
  async body({ find, xfind, text, click, exec, type }) {
    // 1. Open the folder; Python is detected and the plan offers port 8000.
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');
    await until('the detection', async () => (await text('[data-testid="stack"]')).includes('Python'));
    const portField = await until('the plan port field', () => find('#plan-port'));
    assert.equal(await exec('return document.querySelector("#plan-port").value'), '8000');

    // 2. Edit the port: the preview follows (EXPOSE), nothing is written.
    await exec('const f = document.querySelector("#plan-port"); f.select();');
    await type(portField, String(edited));
    await until('the preview with the edited port', async () => {
      const lines = await exec('return [...document.querySelectorAll("[data-testid=code] .tx")].map((l) => l.textContent)');
      return lines.some((l) => l === `EXPOSE ${edited}`);
    });

    // 3. Run: Berth's plan (the folder has no files of its own), in memory.
    await click(await until('the Run tab', () => find('#view-tab-run')));
    const note = await until('the build-from note', () => text('[data-testid="build-from-note"]'));
    assert.match(note, /Berth's plan with your edits/);
    await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Run']"));
    await until('healthy', () => text('[data-testid="run-healthy"]'));
    const url = await text('[data-testid="app-url"]');
    const hostPort = Number(url.split(':').pop());

    // 4. The container listens on the edited port, and answers there.
    const name = leftovers(folder).containers[0];
    assert.ok(name, 'a container of the folder');
    const ports = execFileSync(DOCKER, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', name], { encoding: 'utf8' });
    assert.ok(ports.includes(`"${edited}/tcp"`), `the container port is the edited one: ${ports}`);
    assert.ok(ports.includes('"HostIp":"127.0.0.1"'), `published on loopback: ${ports}`);
    const page = await (await fetch(`http://127.0.0.1:${hostPort}/`)).text();
    assert.equal(page, `hello from port ${edited}\n`);

    // 5. Nothing was written to the folder.
    assert.deepEqual((await readdir(folder)).sort(), before);

    // 6. Stop & remove leaves nothing.
    await click(await xfind("//section[@aria-label='Run']//button[normalize-space()='Stop & remove']"));
    await until('stopped', () => text('[data-testid="run-stopped"]'));
    assert.deepEqual(leftovers(folder), { containers: [], images: [] });
    return `edited port ${edited} ran in memory, served on ${hostPort}, nothing written, removed`;
  },
  async cleanup() {
    try {
      const { containers, images } = leftovers(folder);
      if (containers.length) execFileSync(DOCKER, ['rm', '-f', ...containers], { stdio: 'ignore' });
      if (images.length) execFileSync(DOCKER, ['rmi', '-f', ...images], { stdio: 'ignore' });
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  },
});
