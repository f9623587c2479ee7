// The training soak (scripts/soak; not part of ./scripts/test): trains in the real page in headless Chromium
// for a while (30 minutes by default), samples the worker's wasm memory every 30 s, and at the end checks
// that memory stayed flat after warm-up (under 5 % growth), that nothing was logged as an error, and that
// the checkpoint survives a reload. Prints a table and a verdict; exits 1 if a check fails.
//   node tests/soak/soak.mjs [minutes]
import { startServer, launch, openReady } from '../e2e/harness.mjs';

const minutes = Number(process.argv[2] ?? 30);
const WARM_MS = Math.min(120_000, minutes * 60_000 * 0.2); // memory is judged after this
const SAMPLE_MS = 30_000;
const fmt = (v) => Number(v).toLocaleString('en');

const server = await startServer();
const browser = await launch();
let failed = false;
const check = (ok, what) => { console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`); if (!ok) failed = true; };
try {
  const { page, context, errors } = await openReady(browser, server);
  const read = () => page.evaluate(() => ({
    step: Number(document.body.dataset.trainStep ?? 0),
    wasm: Number(document.body.dataset.trainWasmBytes ?? 0),
    heldout: Number(document.body.dataset.heldoutLoss ?? NaN),
    checkpoint: Number(document.body.dataset.checkpointStep ?? -1),
    jsHeap: performance.memory?.usedJSHeapSize ?? 0,
  }));
  await page.locator('#train-play').click();
  const t0 = Date.now();
  const samples = [];
  console.log('minute      step   wasm memory (B)   held-out -ELBO   JS heap (B)');
  while (Date.now() - t0 < minutes * 60_000) {
    await page.waitForTimeout(Math.min(SAMPLE_MS, minutes * 60_000 - (Date.now() - t0)));
    const s = { t: Date.now() - t0, ...(await read()) };
    samples.push(s);
    console.log(`${(s.t / 60_000).toFixed(1).padStart(6)} ${fmt(s.step).padStart(9)} ${fmt(s.wasm).padStart(17)} ${s.heldout.toFixed(2).padStart(16)} ${fmt(s.jsHeap).padStart(13)}`);
  }
  const warm = samples.find((s) => s.t >= WARM_MS) ?? samples[0];
  const last = samples.at(-1);
  const growth = (last.wasm - warm.wasm) / warm.wasm;
  check(last.step > warm.step, `training advanced: ${fmt(warm.step)} -> ${fmt(last.step)} steps`);
  check(growth < 0.05, `wasm memory after warm-up: ${fmt(warm.wasm)} -> ${fmt(last.wasm)} B (${(100 * growth).toFixed(2)} % growth; limit 5 %)`);
  // Pause (which checkpoints), reload, and resume from the checkpoint.
  await page.locator('#train-play').click();
  await page.waitForFunction((n) => Number(document.body.dataset.checkpointStep ?? -1) >= n, last.step, { timeout: 60_000 });
  const saved = Number(await page.evaluate(() => document.body.dataset.checkpointStep));
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.trainer === 'ready', null, { timeout: 120_000 });
  const info = await page.locator('#train-info').textContent();
  const resumed = Number((info.match(/step ([\d,]+)/)?.[1] ?? '-1').replace(/,/g, ''));
  check(resumed === saved, `the checkpoint survived a reload: saved at step ${fmt(saved)}, resumed at ${fmt(resumed)}`);
  check(errors.length === 0, `no console errors (${errors.length}${errors.length ? `: ${errors.slice(0, 3).join(' | ')}` : ''})`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
console.log(failed ? 'SOAK FAILED' : 'SOAK PASSED');
process.exitCode = failed ? 1 : 0;
