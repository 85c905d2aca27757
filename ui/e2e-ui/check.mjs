// Fast UI tests of the Check view (imported by run.mjs, which owns the browser and the
// harness): the project's Check tab over the folder's files, an image and a container from
// the Containers view with the layer chart, and a run held by critical findings in the files
// it would build until "Run anyway".
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function checkTests({ test, shots, calls, openByTyping, ROOT }) {
  await test("the project's Check tab groups the folder's findings; a finding shows its line, fix and refs", async (page) => {
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Check' }).click();
    await page.getByTestId('group-high').waitFor();
    assert.deepEqual((await calls(page, 'check_folder')).map((a) => a.root), [ROOT]);
    const groups = await page.locator('[data-testid^=group-]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(groups, ['group-high', 'group-medium', 'group-low', 'group-info']);
    await page.getByRole('button', { name: /The image runs as root/ }).click();
    assert.equal(await page.getByTestId('marked-line').textContent(), 'FROM python:3.9');
    const refs = await page.getByLabel('Also known as').textContent();
    assert.match(refs, /CKV_DOCKER_3/);
    assert.match(refs, /AVD-DS-0002/);
    await page.getByText(/useradd --uid 10001/).waitFor();
    await page.screenshot({ path: join(shots, 'ui-check-folder.png') });
  });

  await test("a container's Check shows its settings, and its image's layers against the 100 MB target", async (page) => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Containers' }).click();
    await page.getByRole('button', { name: 'Check web' }).click();
    const chart = page.getByTestId('layer-chart');
    await chart.waitFor();
    assert.deepEqual(await calls(page, 'check_container'), [{ name: 'web' }]);
    assert.deepEqual(await calls(page, 'check_image'), [{ reference: 'berth/web:latest' }]);
    assert.match(await chart.textContent(), /over the 100 MB target/);
    assert.match(await chart.textContent(), /build toolchain is in the runtime image/);
    assert.equal(await chart.locator('tbody tr').count(), 7);
    const summary = await page.getByTestId('check-summary').textContent();
    assert.match(summary, /2 critical/);
    await page.getByRole('button', { name: /A private key or cloud credential is in a layer/ }).click();
    await page.getByText(/deleted in layer 6 but still in layer 5/).waitFor();
    assert.match(await page.getByTestId('check-target').textContent(), /web \(berth\/web:latest\)/);
    await page.screenshot({ path: join(shots, 'ui-check-image.png') });
  });

  await test('an image typed in the Check view is checked; a missing one says why', async (page) => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Check' }).click();
    await page.getByLabel('Image reference').fill('missing:1');
    await page.getByRole('button', { name: 'Check image' }).click();
    await page.getByTestId('check-error').getByText(/no image missing:1 on this engine/).waitFor();
    await page.getByLabel('Image reference').fill('shop:dev');
    await page.getByRole('button', { name: 'Check image' }).click();
    await page.getByTestId('layer-chart').waitFor();
    assert.equal(await page.getByTestId('check-error').count(), 0);
  });

  await test('critical findings in the files a run builds hold it until Run anyway; the run card shows the image', async (page) => {
    await page.evaluate(() => Object.assign(window.__berth.check, { criticalPreflight: true }));
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByTestId('engine-status').getByText('unix:///var/run/docker.sock').waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const hold = page.getByTestId('preflight-hold');
    await hold.waitFor();
    assert.match(await hold.textContent(), /1 critical finding/);
    assert.match(await hold.textContent(), /The Docker socket is mounted/);
    assert.equal((await calls(page, 'up_project')).length, 0, 'nothing builds before the answer');
    await page.screenshot({ path: join(shots, 'ui-run-preflight.png') });
    await page.getByTestId('run-anyway').click();
    await page.getByTestId('progress-label').waitFor();
    await page.evaluate(() => window.__berth.run.release());
    await page.getByTestId('run-healthy').waitFor();
    assert.equal((await calls(page, 'up_project')).length, 1);
    const card = page.getByTestId('image-analysis');
    await card.waitFor();
    assert.match(await card.textContent(), /over the 100 MB target/);
  });
}
