// Fast UI tests of the run card's benchmark (imported by run.mjs, which owns the browser and
// the harness): progress while it runs, then the native-vs-container chart; a cancel; a side
// that cannot run here.
import assert from 'node:assert/strict';
import { join } from 'node:path';

export async function benchTests({ test, shots, calls, openByTyping, ROOT }) {
  const openBench = async (page) => {
    await openByTyping(page);
    await page.getByRole('tab', { name: 'Run' }).click();
    const card = page.getByTestId('bench');
    await card.waitFor();
    return card;
  };

  await test('Benchmark runs natively and in the container: progress, then the chart side by side', async (page) => {
    const card = await openBench(page);
    await page.getByRole('radio', { name: /Berth's plan/ }).check();
    await card.getByLabel('Requests per side').fill('100');
    await card.getByRole('button', { name: 'Benchmark', exact: true }).click();
    const progress = page.getByTestId('bench-progress');
    await progress.getByText('(50/100)').waitFor();
    assert.match(await progress.textContent(), /copying the project into a private folder/);
    assert.match(await progress.textContent(), /step 1\/9: FROM python/);
    const benchCalls = await calls(page, 'bench_project');
    assert.deepEqual(benchCalls.map((a) => [a.root, a.requests]), [[ROOT, 100]]);
    // It measures what Run builds: Berth's plan, as edited (chosen below, before the start).
    assert.equal(benchCalls[0].source, 'plan');
    assert.equal(typeof benchCalls[0].edits?.port, 'number', JSON.stringify(benchCalls[0].edits));
    await card.getByRole('button', { name: 'Cancel benchmark' }).waitFor();
    await page.evaluate(() => window.__berth.bench.release());
    const chart = page.getByTestId('bench-chart');
    await chart.waitFor();
    assert.equal(await progress.count(), 0);
    const rows = await chart.locator('[data-testid^=bench-row-]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(rows, ['bench-row-startup', 'bench-row-p50', 'bench-row-p95', 'bench-row-p99', 'bench-row-throughput', 'bench-row-memory']);
    const startup = await page.getByTestId('bench-row-startup').textContent();
    assert.match(startup, /285 ms/);
    assert.match(startup, /844 ms \(×2\.96\)/);
    assert.match(await page.getByTestId('bench-row-throughput').textContent(), /687 req\/s.*443 req\/s \(×0\.64\)/);
    assert.match(await page.getByTestId('bench-row-memory').textContent(), /37\.6 MiB.*29\.5 MiB/);
    // The native bar of the slower start is shorter than the container's.
    const widths = await page.getByTestId('bench-row-startup').locator('rect').evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
    assert.ok(widths[0] < widths[1], `${widths}`);
    assert.match(await page.getByTestId('bench-summary').textContent(), /GET \/health, 100 requests per side, 1 at a time, after 5 warm-up/);
    assert.match(await page.getByTestId('bench-native').textContent(), /Python 3\.11\.7 gunicorn --bind 127\.0\.0\.1:5000 app:app/);
    await card.screenshot({ path: join(shots, 'ui-bench.png') });
  });

  await test('a running benchmark is cancelled through its channel; a side that cannot run says why', async (page) => {
    const card = await openBench(page);
    await card.getByRole('button', { name: 'Benchmark', exact: true }).click();
    await page.getByTestId('bench-progress').waitFor();
    await card.getByRole('button', { name: 'Cancel benchmark' }).click();
    await card.getByText('Benchmark cancelled; what it started was removed.').waitFor();
    const [run] = await calls(page, 'bench_project');
    const stops = (await calls(page, 'stop_stream')).map((a) => a.channel);
    assert.deepEqual(stops, [run.onEvent.id]);
    assert.equal(await page.getByTestId('bench-chart').count(), 0);

    await page.evaluate(() => (window.__berth.bench.noPython = true));
    await card.getByRole('button', { name: 'Benchmark', exact: true }).click();
    await page.getByTestId('bench-progress').waitFor();
    await page.evaluate(() => window.__berth.bench.release());
    await page.getByTestId('bench-chart').waitFor();
    assert.match(await page.getByTestId('bench-native').textContent(), /python3 is not installed on this machine/);
    assert.match(await page.getByTestId('bench-row-startup').textContent(), /not measured.*844 ms/);
  });
}
