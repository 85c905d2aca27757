// The Kubernetes view's fast UI tests (called from run.mjs, which owns the browser and the
// mocked IPC; the k8s commands are answered by mock-k8s.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function k8sTests({ test, openByTyping, calls, code, ROOT, shots }) {
  async function openKubernetes(page) {
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Kubernetes' }).click();
    await page.getByTestId('k8s-recommendation').waitFor();
  }

  await test('the Kubernetes tab shows the recommendation, its signals with evidence and sources, and the layout', async (page) => {
    await openKubernetes(page);
    assert.equal(await page.getByTestId('k8s-recommendation').textContent(), 'Kubernetes');
    assert.deepEqual((await calls(page, 'k8s_assess')).map((a) => a.root), [ROOT]);
    assert.deepEqual((await calls(page, 'k8s_preview')).map((a) => a.namespace), [null]);
    const workers = page.locator('[data-testid=k8s-signal][data-id=workers]');
    await workers.locator('summary').click();
    assert.match(await workers.textContent(), /compose\.yaml:43/);
    assert.match(await workers.textContent(), /Source: The Twelve-Factor App/);
    assert.equal(await page.getByTestId('k8s-ready').count(), 8);
    // The layout: files by folder, the selected one shown.
    assert.equal(await page.getByTestId('k8s-file').count(), 13);
    await page.getByTestId('k8s-file').filter({ hasText: 'statefulset-db.yaml' }).click();
    assert.match(await code(page).textContent(), /volumeClaimTemplates/);
    await page.getByTestId('k8s-file').filter({ hasText: 'deployment-web.yaml' }).click();
    assert.match(await code(page).textContent(), /readOnlyRootFilesystem: true/);
    await page.screenshot({ path: join(shots, 'ui-kubernetes.png') });
    // The report of every compose field.
    await page.getByTestId('k8s-report-toggle').click();
    const report = page.getByTestId('k8s-report');
    await report.waitFor();
    assert.match(await report.textContent(), /container_name.*dropped/s);
    // Switching tabs keeps the assessment (no second call).
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('tab', { name: 'Kubernetes' }).click();
    await page.getByTestId('k8s-recommendation').waitFor();
    assert.equal((await calls(page, 'k8s_assess')).length, 1);
  });

  await test('a typed namespace previews again; writing confirms replacing the edited file and reports its backup', async (page) => {
    await openKubernetes(page);
    await page.getByLabel('Namespace').fill('team-a');
    await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'k8s_preview' && c.args.namespace === 'team-a'));
    await page.getByTestId('k8s-file').filter({ hasText: 'kustomization.yaml' }).first().click();
    await page.waitForFunction(() => /namespace: team-a/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));
    await page.getByTestId('k8s-write').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /base\/namespace\.yaml/);
    assert.equal((await calls(page, 'k8s_write')).length, 0, 'nothing written before confirming');
    await page.getByRole('button', { name: 'Replace and keep backups' }).click();
    const banner = page.getByRole('status', { name: 'Write report' });
    await banner.waitFor();
    assert.match(await banner.textContent(), /namespace\.yaml\.berth-backup-/);
    const writes = await calls(page, 'k8s_write');
    assert.equal(writes.length, 1);
    assert.equal(writes[0].force, true);
    assert.equal(writes[0].namespace, 'team-a');
    assert.ok(writes[0].seen.some((s) => s.name === 'base/namespace.yaml' && s.seen === 'sha256:base/namespace.yaml'));
    await page.getByRole('button', { name: 'Up to date' }).waitFor();
  });

  await test('a failed manifest write says why and keeps the preview', async (page) => {
    await openKubernetes(page);
    await page.evaluate(() => Object.assign(window.__berth.k8s, { failWrite: true }));
    await page.getByTestId('k8s-write').click();
    await page.getByRole('button', { name: 'Replace and keep backups' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /disk full/);
    assert.equal(await page.getByTestId('k8s-file').count(), 13);
  });
}
