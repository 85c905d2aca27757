// The Deploy panel's fast UI tests (called from run.mjs, which owns the browser and the
// mocked IPC; the deploy commands are answered by mock-deploy.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function deployTests({ test, openByTyping, calls, ROOT, shots }) {
  const ctl = (page, patch) => page.evaluate((p) => Object.assign(window.__berth.deploy, p), patch);
  async function openDeploy(page, patch = {}) {
    await ctl(page, patch);
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Run' }).click();
    const panel = page.getByRole('region', { name: 'Deploy' });
    await panel.getByTestId('deploy-target').locator('option', { hasText: 'context staging' }).waitFor({ state: 'attached' });
    return panel;
  }

  await test('Run has an environment picker: none by default, prod goes to up_project as env', async (page) => {
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Run' }).click();
    const env = page.getByTestId('run-env');
    assert.equal(await env.inputValue(), '');
    await env.selectOption('prod');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('progress-label').waitFor();
    assert.deepEqual((await calls(page, 'up_project')).map((a) => a.env), ['prod']);
    await page.evaluate(() => window.__berth.run.release());
    await page.getByTestId('run-healthy').waitFor();
  });

  await test('Deploy by keyboard: environment, engine, progress mid-deploy, deployed with the URL, history, open', async (page) => {
    const panel = await openDeploy(page);
    // Keyboard only: the environment picker (prod by default) goes to dev and back to prod
    // with the arrows, then Tab to the engine picker.
    const env = panel.getByTestId('deploy-env');
    await env.focus();
    assert.equal(await env.inputValue(), 'prod');
    await page.keyboard.press('ArrowDown');
    assert.equal(await env.inputValue(), 'dev');
    await page.keyboard.press('ArrowUp');
    assert.equal(await env.inputValue(), 'prod');
    await page.keyboard.press('Tab');
    const target = panel.getByTestId('deploy-target');
    assert.equal(await target.evaluate((el) => el === document.activeElement), true);
    const labels = await target.locator('option').allTextContents();
    assert.deepEqual(labels.map((l) => l.split(' — ')[0]), [
      'this engine (well-known socket (Docker Engine))',
      'DOCKER_HOST',
      'context staging',
      'another engine (address or context)…',
    ]);
    assert.match(await panel.textContent(), /No deployments of this folder yet/);
    // Tab past Refresh to Deploy and press Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Deploy to prod');
    await page.keyboard.press('Enter');
    const steps = panel.getByTestId('deploy-steps');
    await steps.getByText('building the image').waitFor();
    assert.match(await steps.textContent(), /validated the files and unix:\/\/\/var\/run\/docker\.sock/);
    await panel.getByRole('button', { name: 'Cancel deploy' }).waitFor();
    await page.evaluate(() => window.__berth.deploy.release());
    const outcome = panel.getByTestId('deploy-outcome');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-outcome'), 'deployed');
    assert.equal(await outcome.getAttribute('role'), 'status');
    assert.match(await outcome.textContent(), /Deployed — c0ffee1 \(prod\) serves on unix:\/\/\/var\/run\/docker\.sock/);
    assert.equal(await panel.getByTestId('deploy-url').textContent(), 'http://localhost:5000');
    assert.equal(await panel.getByTestId('deploy-validations').locator('li[data-ok=true]').count(), 5);
    const rows = panel.getByTestId('deploy-history').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /c0ffee1.*prod.*deploy.*Deployed/s);
    const [args] = await calls(page, 'deploy_project');
    assert.equal(args.root, ROOT);
    assert.equal(args.env, 'prod');
    assert.equal(args.engine, null);
    assert.equal(args.source, 'files');
    await page.screenshot({ path: join(shots, 'ui-deploy.png') });
    await panel.getByRole('button', { name: 'Open in browser' }).click();
    await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'open_url'));
    assert.deepEqual((await calls(page, 'open_url')).at(-1), { url: 'http://localhost:5000' });
  });

  await test('a broken version is rolled back: the reason and its last log lines; Rollback returns to the version before', async (page) => {
    const panel = await openDeploy(page);
    await panel.getByTestId('deploy-button').click();
    await panel.getByTestId('deploy-steps').getByText('building the image').waitFor();
    await page.evaluate(() => window.__berth.deploy.release());
    await panel.locator('[data-testid=deploy-outcome][data-outcome=deployed]').waitFor();
    await panel.getByTestId('deploy-button').click();
    await panel.getByTestId('deploy-steps').getByText('building the image').waitFor();
    await page.evaluate(() => window.__berth.deploy.release());
    await panel.locator('[data-testid=deploy-outcome][data-outcome=deployed]').waitFor();
    await ctl(page, { scenario: 'rolled_back' });
    await panel.getByTestId('deploy-button').click();
    await panel.getByTestId('deploy-steps').getByText('building the image').waitFor();
    await page.evaluate(() => window.__berth.deploy.release());
    const outcome = panel.locator('[data-testid=deploy-outcome][data-outcome=rolled_back]');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('role'), 'alert');
    assert.match(await outcome.textContent(), /c0ffee3 was not healthy; c0ffee2 keeps serving/);
    assert.match(await panel.getByTestId('deploy-reason').textContent(), /not healthy within 60 s/);
    assert.match(await panel.getByTestId('deploy-logs').textContent(), /No module named 'redis'/);
    assert.equal(await panel.getByTestId('deploy-url').count(), 0);
    await page.screenshot({ path: join(shots, 'ui-deploy-rolled-back.png') });
    // Roll back by keyboard: c0ffee2 is live, c0ffee1 comes back.
    await panel.getByTestId('rollback-button').focus();
    await page.keyboard.press('Enter');
    await panel.locator('[data-testid=deploy-outcome][data-outcome=deployed]').waitFor();
    assert.match(await panel.getByTestId('deploy-outcome').textContent(), /c0ffee1 \(prod\) is back on .*replacing c0ffee2/);
    const rows = panel.getByTestId('deploy-history').locator('tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=deploy-history] tbody tr').length === 4);
    assert.match(await rows.first().textContent(), /c0ffee1.*rollback.*Deployed/s);
    assert.match(await rows.nth(1).textContent(), /c0ffee3.*Rolled back/s);
    assert.deepEqual((await calls(page, 'rollback_project')).map((a) => [a.env, a.engine]), [['prod', null]]);
  });

  await test('a refused deploy lists the failed validation; another engine is typed, checked and passed; cancel', async (page) => {
    const panel = await openDeploy(page, { scenario: 'refused' });
    await panel.getByTestId('deploy-env').selectOption('dev');
    await panel.getByTestId('deploy-target').selectOption({ label: 'another engine (address or context)…' });
    const field = panel.getByLabel('Engine address or context');
    await field.fill('not an engine');
    await field.press('Enter');
    assert.match(await panel.getByTestId('deploy-engine-problem').textContent(), /no spaces/);
    assert.equal((await calls(page, 'deploy_project')).length, 0);
    await field.fill('tcp://10.0.0.9:2375');
    await field.press('Enter');
    const outcome = panel.locator('[data-testid=deploy-outcome][data-outcome=refused]');
    await outcome.waitFor();
    assert.match(await outcome.textContent(), /Refused — nothing was built or started/);
    const bad = panel.getByTestId('deploy-validations').locator('li[data-ok=false]');
    assert.equal(await bad.count(), 1);
    assert.match(await bad.textContent(), /check \(failed\): BERTH012/);
    assert.deepEqual((await calls(page, 'deploy_project')).map((a) => [a.env, a.engine]), [['dev', 'tcp://10.0.0.9:2375']]);
    // Cancel while it builds.
    await ctl(page, { scenario: 'deployed' });
    await panel.getByTestId('deploy-button').click();
    await panel.getByRole('button', { name: 'Cancel deploy' }).click();
    await panel.getByText('Deploy cancelled while building: nothing was started.').waitFor();
    assert.equal((await calls(page, 'cancel_deploy')).length, 1);
  });
}
