// End-to-end test of the Kubernetes view in the real desktop app with the real backend: a copy
// of tests/k8s/platform (web, worker, scheduler, Postgres, Redis) in a temp folder. Open it,
// tab Kubernetes: the recommendation (kubernetes) with its signals and evidence, the layout's
// files; Write manifests (all new: no confirmation) writes <folder>/k8s, which `kubectl
// kustomize` then builds. Saves docs/screenshot-k8s.png.
// Run by scripts/e2e.sh; harness: tests/e2e/harness.mjs.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { poller, repo, runSpec } from './harness.mjs';

const screenshot = process.env.BERTH_K8S_SCREENSHOT ?? join(repo, 'docs/screenshot-k8s.png');
const until = poller(60000, 100);

const project = await realpath(await mkdtemp(join(tmpdir(), 'berth-e2e-k8s-')));
const folder = join(project, 'shop');
await cp(join(repo, 'tests/k8s/platform'), folder, { recursive: true });

await runSpec({
  failureShot: 'failure-k8s.png',
  async body({ find, xfind, text, click, type, screenshot: shoot }) {
    const field = await until('the path field', () => find('input[aria-label="Project folder path"]'));
    await type(field, folder + '\uE007');
    await until('the detection', () => find('[data-testid="stack"]'));

    await click(await until('the Kubernetes tab', () => find('#view-tab-kubernetes')));
    const rec = await until('the recommendation', () => text('[data-testid="k8s-recommendation"]'));
    assert.equal(rec, 'Kubernetes');
    const workers = await text('[data-testid="k8s-signal"][data-id="workers"]');
    assert.match(workers, /1 background worker/, workers);
    await until('the layout', () => find('[data-testid="k8s-file"]'));
    await click(await xfind("//button[@data-testid='k8s-file'][.//span[normalize-space()='deployment-web.yaml']]"));
    const code = await until('the Deployment', async () => {
      const t = await text('[data-testid="code"]');
      return t.includes('kind: Deployment') ? t : null;
    });
    assert.match(code, /readOnlyRootFilesystem: true/);
    await shoot(screenshot);

    await click(await find('[data-testid="k8s-write"]'));
    const banner = await until('the write report', () => text('[aria-label="Write report"]'));
    assert.match(banner, /Wrote/, banner);
    await stat(join(folder, 'k8s/base/kustomization.yaml'));
    const built = execFileSync('kubectl', ['kustomize', join(folder, 'k8s/overlays/prod')], { encoding: 'utf8' });
    assert.match(built, /kind: ExternalSecret/);
    assert.doesNotMatch(built, /kind: Secret\n/);
    await until('up to date', async () => (await text('[data-testid="k8s-write"]')) === 'Up to date');
    return `k8s: assessed (${rec}), previewed, wrote and kustomize-built ${folder}/k8s`;
  },
  async cleanup() {
    await rm(project, { recursive: true, force: true });
  },
});
