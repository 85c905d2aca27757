// The Containers view's fast UI tests: live stats over a mocked channel, lifecycle and group
// actions, the filter, hiding, logs and the detail charts (called from run.mjs, which owns the
// browser and the mocked IPC; the stats commands are answered by mock-stats.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function containersTests({ test, calls, shots }) {
  async function openContainers(page) {
    const nav = page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Containers' });
    await nav.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Containers' }).waitFor();
  }
  const rowOf = (page, name) => page.locator(`[data-testid=container-row][data-name="${name}"]`);

  await test('the containers view lists 50 containers with badges, ports and live sparklines', async (page) => {
    await openContainers(page);
    assert.equal(await page.getByTestId('container-row').count(), 50);
    assert.equal(await page.evaluate(() => window.location.hash), '#containers');
    const web = rowOf(page, 'web');
    assert.match(await web.textContent(), /running/);
    assert.match(await web.textContent(), /healthy/);
    assert.match(await web.textContent(), /18080→8080/);
    // A published port opens in the browser (through the backend's open_url).
    await web.getByRole('button', { name: '18080→8080' }).click();
    await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'open_url'));
    assert.deepEqual(await calls(page, 'open_url'), [{ url: 'http://localhost:18080' }]);
    assert.match(await rowOf(page, 'svc-01').textContent(), /unhealthy/);
    assert.match(await rowOf(page, 'svc-09').textContent(), /exited/);
    await page.evaluate(() => window.__berth.tick(5));
    await page.waitForFunction(() => document.querySelector('[data-name=web] canvas')?.getAttribute('data-points') === '5');
    assert.match(await web.getByTestId('cpu').textContent(), /^\d+\.\d%$/);
    assert.match(await web.getByTestId('mem').textContent(), /MiB$/);
    assert.match(await page.getByTestId('total-cpu').textContent(), /%$/);
    await page.screenshot({ path: join(shots, 'ui-containers.png') });
    // Rows scrolled out of view keep their numbers but draw their sparklines only when shown.
    const last = '[data-name=svc-48] canvas';
    assert.equal(await page.locator(last).first().getAttribute('data-points'), '0');
    assert.match(await rowOf(page, 'svc-48').getByTestId('cpu').textContent(), /%$/);
    await rowOf(page, 'svc-48').scrollIntoViewIfNeeded();
    await page.waitForFunction((css) => document.querySelector(css)?.getAttribute('data-points') === '5', last);
  });

  await test('remove asks first; stop calls the command; leaving the view closes the channel', async (page) => {
    await openContainers(page);
    await rowOf(page, 'svc-02').getByRole('button', { name: 'Remove svc-02' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Remove svc-02\?/);
    assert.equal((await calls(page, 'container_lifecycle')).length, 0);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await rowOf(page, 'svc-02').getByRole('button', { name: 'Remove svc-02' }).click();
    // Berth's own container: removed with its anonymous volumes, no question asked about them.
    assert.equal(await page.getByTestId('remove-volumes').count(), 0);
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await rowOf(page, 'svc-02').waitFor({ state: 'detached' });
    // Another tool's container: its volumes stay unless the box is ticked.
    await rowOf(page, 'svc-07').getByRole('button', { name: 'Remove svc-07' }).click();
    await page.getByTestId('remove-volumes').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await rowOf(page, 'svc-07').waitFor({ state: 'detached' });
    await rowOf(page, 'svc-03').getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => /exited/.test(document.querySelector('[data-name=svc-03]')?.textContent ?? ''));
    assert.deepEqual(await calls(page, 'container_lifecycle'), [
      { name: 'svc-02', action: 'remove_with_volumes' },
      { name: 'svc-07', action: 'remove' },
      { name: 'svc-03', action: 'stop' },
    ]);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Project' }).click();
    await page.getByRole('heading', { name: 'Drop a project folder here' }).waitFor();
    assert.deepEqual(await page.evaluate(() => window.__berth.unsubscribed), [7]);
  });

  await test("/ focuses the filter; it narrows the list by name or image, Only Berth's keeps Berth's, Escape clears", async (page) => {
    await openContainers(page);
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    const filter = page.getByRole('searchbox', { name: 'Filter by name, image or folder' });
    assert.ok(await filter.evaluate((el) => el === document.activeElement), '/ focuses the filter');
    await page.keyboard.type('svc-1');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row]').length === 10);
    assert.equal(await page.getByTestId('shown-count').textContent().then((t) => t.trim()), '10 of 50 containers');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row]').length === 50);
    assert.equal(await filter.inputValue(), '');
    await filter.fill('berth/web');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row]').length === 1);
    assert.equal(await rowOf(page, 'web').count(), 1);
    await filter.fill('');
    await page.getByLabel("Only Berth's").check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row]').length === 5);
    await filter.fill('no-such-container');
    await page.getByText('No container matches the filter.').waitFor();
    await page.getByRole('button', { name: 'Clear the filter' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row]').length === 50);
    assert.equal(await page.getByLabel("Only Berth's").isChecked(), false);
    assert.ok(await filter.evaluate((el) => el === document.activeElement), 'focus back in the filter');
  });

  await test('a compose project is grouped under its header: fold, Stop all, Remove all (asks first)', async (page) => {
    await openContainers(page);
    const group = page.locator('[data-testid=group-row][data-project=shop]');
    assert.equal(await page.getByTestId('group-row').count(), 1);
    assert.equal(await group.getByTestId('group-count').textContent(), '4 of 5 running');
    // Its five containers follow the header row, indented.
    const order = await page.locator('tbody tr').evaluateAll((trs) => trs.slice(-6).map((tr) => tr.dataset.name ?? `group ${tr.dataset.project}`));
    assert.deepEqual(order, ['group shop', 'svc-45', 'svc-46', 'svc-47', 'svc-48', 'svc-49']);
    await group.getByRole('button', { name: 'shop', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=container-row][data-project=shop]').length === 0);
    assert.equal(await group.getByRole('button', { name: 'shop', exact: true }).getAttribute('aria-expanded'), 'false');
    await group.getByRole('button', { name: 'shop', exact: true }).click();
    await rowOf(page, 'svc-45').waitFor();
    await group.getByRole('button', { name: 'Stop all of shop' }).click();
    await page.waitForFunction(() => document.querySelector('[data-project=shop] [data-testid=group-count]')?.textContent === '0 of 5 running');
    assert.deepEqual(
      (await calls(page, 'group_lifecycle')).map((c) => `${c.project}:${c.action}`),
      ['shop:stop'],
    );
    await group.getByRole('button', { name: 'Remove all of shop' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Remove all 5 containers of shop\?/);
    assert.equal((await calls(page, 'group_lifecycle')).length, 1);
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await group.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('container-row').count(), 45);
    assert.deepEqual(
      (await calls(page, 'group_lifecycle')).map((c) => `${c.project}:${c.action}`),
      ['shop:stop', 'shop:remove'],
    );
    assert.equal((await calls(page, 'container_lifecycle')).length, 0);
  });

  await test('a hidden window applies and draws nothing; shown again, it catches up from the history', async (page) => {
    await openContainers(page);
    await page.evaluate(() => window.__berth.tick(3));
    await page.waitForFunction(() => document.querySelector('[data-name=web] canvas')?.getAttribute('data-points') === '3');
    const setHidden = (hidden) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    // The live channel closes: the backend sends nothing while hidden.
    assert.deepEqual(await page.evaluate(() => window.__berth.unsubscribed), [7]);
    const cpu = await rowOf(page, 'web').getByTestId('cpu').textContent();
    await page.evaluate(() => window.__berth.tick(4));
    // Two animation frames later (a queued batch is applied on the next one): nothing changed.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.locator('[data-name=web] canvas').first().getAttribute('data-points'), '3');
    assert.equal(await rowOf(page, 'web').getByTestId('cpu').textContent(), cpu);
    assert.equal((await calls(page, 'container_history')).length, 0);
    await setHidden(false);
    // The running rows refill from the hub's history (the mock keeps 120 points: the last 60 are drawn).
    await page.waitForFunction(() => document.querySelector('[data-name=web] canvas')?.getAttribute('data-points') === '60');
    assert.ok((await calls(page, 'container_history')).some((c) => c.id === 'id-web'));
    // ... and the channel opens again: live batches are drawn.
    await page.waitForFunction(() => window.__berth.calls.filter((x) => x.cmd === 'stats_subscribe').length === 2);
    const cpuBefore = await rowOf(page, 'web').getByTestId('cpu').textContent();
    await page.evaluate(() => window.__berth.tick(1));
    await page.waitForFunction(
      (before) => document.querySelector('[data-name=web] [data-testid=cpu]')?.textContent !== before,
      cpuBefore,
    );
  });

  await test("a row's Logs opens the container's live log in a dialog; Escape closes it and stops following", async (page) => {
    await openContainers(page);
    await rowOf(page, 'web').getByRole('button', { name: 'Logs of web' }).click();
    const dialog = page.getByRole('dialog', { name: 'Logs of web' });
    await dialog.waitFor();
    await dialog.getByTestId('log-lines').getByText('disk almost full').waitFor();
    assert.deepEqual((await calls(page, 'follow_logs')).map((a) => a.container), ['web']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => window.__berth.calls.some((c) => c.cmd === 'stop_stream'));
  });

  async function openDetail(page, colorScheme) {
    await page.emulateMedia({ colorScheme });
    await openContainers(page);
    await rowOf(page, 'web').getByRole('button', { name: 'web', exact: true }).click();
    await page.getByTestId('chart-cpu').waitFor();
    // The 2-minute backlog, cut to the 1-minute window.
    await page.waitForFunction(() => document.querySelector('[data-testid=chart-cpu]')?.getAttribute('data-points') === '61');
  }

  await test('a container detail charts its backlog, then live samples from the channel, with hover values', async (page) => {
    await openDetail(page, 'light');
    assert.equal(await page.locator('.uplot').count(), 4);
    await page.evaluate(() => window.__berth.tick(3));
    const cpuChart = page.getByTestId('chart-cpu');
    const latest = await cpuChart.locator('.u-legend .u-value').nth(1).textContent();
    assert.match(latest, /^\d+\.\d%$/);
    // 120 backlog points + 3 live ones fit in 5 minutes.
    await page.getByRole('radio', { name: '5 min', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=chart-cpu]')?.getAttribute('data-points') === '123');
    // Hovering shows the value under the cursor.
    const box = await cpuChart.locator('.u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.waitForFunction((v) => {
      const t = document.querySelectorAll('[data-testid=chart-cpu] .u-legend .u-value')[1]?.textContent;
      return t !== v && /^\d+\.\d%$/.test(t ?? '');
    }, latest);
    assert.match(await page.getByTestId('chart-mem').textContent(), /Limit/);
    await page.screenshot({ path: join(shots, 'ui-detail-light.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('table', { name: 'Containers' }).waitFor();
  });

  await test('detail charts follow the dark theme', async (page) => {
    await openDetail(page, 'dark');
    const axis = await page.evaluate(() => {
      const css = getComputedStyle(document.documentElement);
      return css.getPropertyValue('--muted').trim();
    });
    assert.equal(axis, '#9aa5b1');
    await page.screenshot({ path: join(shots, 'ui-detail-dark.png') });
  });
}
