// Training in the browser, in real Chromium: the worker learns, the main thread stays responsive, the
// exported weights evaluate the same natively, checkpoints survive a reload, the NaN guard and the panic
// recovery restore the last checkpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openReady } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const ARTIFACTS = artifactsDir();

const data = (page) => page.evaluate(() => ({ ...document.body.dataset }));
const waitFor = (page, fn, arg, timeout = 120_000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
const heldout = async (page) => JSON.parse((await page.locator('#train-chart').getAttribute('data-heldout')) ?? '[]');

/** Presses Train and waits until the worker reports `steps` steps. */
async function trainTo(page, steps) {
  await page.locator('#train-play').click();
  await waitFor(page, (n) => Number(document.body.dataset.trainStep ?? 0) >= n, steps);
}

/** Waits until the training panel's message matches `re`; on a timeout, says what it showed instead. */
async function waitForInfo(page, re, timeout = 10_000) {
  try {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('train-info').textContent), re.source, { timeout, polling: 50 });
  } catch {
    assert.fail(`the message never matched ${re}; it reads: ${await page.locator('#train-info').textContent()}`);
  }
}

/** Types a value into a field and commits it, as pressing Enter or leaving the field does. */
async function setField(page, selector, value) {
  await page.locator(selector).fill(value);
  await page.locator(selector).dispatchEvent('change');
}

/** Trains `steps` steps, pauses, and waits for the checkpoint taken at the pause; returns its step. */
async function trainAndCheckpoint(page, steps) {
  await trainTo(page, steps);
  await pause(page);
  await waitFor(page, (n) => Number(document.body.dataset.checkpointStep ?? -1) >= n, steps);
  return Number((await data(page)).checkpointStep);
}

async function pause(page) {
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
}

test('300 steps lower the held-out loss by over 30 nats, with no main-thread task over 50 ms', async () => {
  const { page, context, errors } = await openReady(browser, server, '', { viewport: { width: 1280, height: 900 } });
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => window.__long.push(...list.getEntries().map((e) => ({ start: e.startTime, ms: e.duration }))))
      .observe({ type: 'longtask', buffered: false });
  });
  await page.locator('.train-panel').scrollIntoViewIfNeeded();
  const t0 = await page.evaluate(() => performance.now());
  await trainTo(page, 300);
  const t1 = await page.evaluate(() => performance.now());
  await pause(page);
  await waitFor(page, () => JSON.parse(document.getElementById('train-chart').dataset.heldout ?? '[]').at(-1)?.[0] >= 300);
  const h = await heldout(page);
  assert.equal(h[0][0], 0, 'the first held-out check is of the initial weights');
  const [first, last] = [h[0][1], h.at(-1)[1]];
  assert.ok(first - last >= 30, `held-out -ELBO went from ${first.toFixed(2)} to ${last.toFixed(2)} nats`);
  assert.ok(Math.abs(h.at(-1)[1] - h.at(-1)[2] - h.at(-1)[3]) < 1e-3, 'loss = recon + KL');
  // Long tasks while the worker trained (the page's own start-up is before t0).
  const long = await page.evaluate(({ t0, t1 }) => window.__long.filter((e) => e.start >= t0 && e.start <= t1), { t0, t1 });
  assert.deepEqual(long, [], `main-thread tasks over 50 ms during training: ${JSON.stringify(long)}`);
  // The live views show the model being trained: 1,000 dots, a 15x15 grid.
  assert.equal(await page.evaluate(() => document.getElementById('train-grid').width), 15 * 28);
  assert.match(await page.locator('#train-map-caption').textContent(), /model being trained \(step/);
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'training.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('exported weights give the same held-out loss in `vae eval` as on the page, and load in the explorer', async () => {
  const { page, context, errors } = await openReady(browser, server, '', { acceptDownloads: true });
  await trainTo(page, 60);
  await pause(page);
  const d = await data(page);
  const h = await heldout(page);
  assert.equal(h.at(-1)[0], Number(d.trainStep), 'pausing evaluates the weights as they are');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#train-export').click()]);
  assert.equal(download.suggestedFilename(), `vae-step-${d.trainStep}.safetensors`);
  const file = join(ARTIFACTS, 'trained.safetensors');
  await download.saveAs(file);
  const native = JSON.parse(execFileSync(process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae'),
    ['eval', '--weights', file, '--samples', '1', '--seed', '0', '--json'], { cwd: ROOT }).toString());
  // The same digits, the same eps (seed 0): wasm and native differ only by float rounding.
  assert.ok(Math.abs(native.loss - h.at(-1)[1]) < 0.05, `page ${h.at(-1)[1]} vs vae eval ${native.loss}`);

  // Import the file into the explorer: the dots move to the new model's encoding.
  const before = await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 4)));
  await page.locator('#weights-file').setInputFiles(file);
  await waitFor(page, () => /trained\.safetensors/.test(document.getElementById('model-name').textContent));
  const after = await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 4)));
  assert.notDeepEqual(after, before);
  // A broken file is refused in words, and the explorer keeps the model it has.
  await page.locator('#weights-file').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a weights file') });
  await waitFor(page, () => !document.getElementById('error').hidden);
  assert.match(await page.locator('#error').textContent(), /broken\.safetensors: The model weights could not be used/);
  assert.deepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 4))), after);
  await page.locator('#use-pretrained').click();
  assert.deepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 4))), before);
  // Dropping the file anywhere on the page imports it too.
  const b64 = (await import('node:fs')).readFileSync(file).toString('base64');
  await page.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.safetensors'));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, b64);
  await waitFor(page, () => /dropped\.safetensors/.test(document.getElementById('model-name').textContent));
  assert.deepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 4))), after);
  assert.equal(await page.evaluate(() => document.body.classList.contains('drop-target')), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('batch size and learning rate change while training, without a reset; an epoch budget stops it', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await trainTo(page, 20);
  const before = Number((await data(page)).trainStep);
  await setField(page, '#train-batch', '50');
  await setField(page, '#train-lr', '0.002');
  await waitFor(page, () => document.body.dataset.trainBatch === '50');
  assert.ok(Number((await data(page)).trainStep) > before, 'the step count went on: no reset');
  // An out-of-range batch is refused in words and changes nothing.
  await setField(page, '#train-batch', '4000');
  await waitForInfo(page, /batch size must be a whole number from 16 to 256/);
  await page.waitForTimeout(300);
  assert.equal((await data(page)).trainBatch, '50');
  // Budget: stop at the end of epoch 2 (9,000 digits: 90 steps of 100, then 180 of 50).
  await setField(page, '#train-epochs', '2');
  await waitFor(page, () => document.body.dataset.training === 'off');
  assert.match(await page.locator('#train-info').textContent(), /budget of 2 epochs is used up/);
  assert.equal((await data(page)).trainEpoch, '2');
  // Compare: the views switch to the pretrained model.
  await page.locator('#train-compare').check();
  assert.match(await page.locator('#train-map-caption').textContent(), /pretrained model/);
  await page.locator('#train-compare').uncheck();
  // Reset with another architecture: a fresh 784-128-3 model from step 0.
  await page.locator('#train-hidden').selectOption('128');
  await page.locator('#train-latent').selectOption('3');
  await page.locator('#train-reset').click();
  await waitFor(page, () => /^step 0 · epoch 0/.test(document.getElementById('train-readout').textContent));
  await trainTo(page, 5);
  await pause(page);
  assert.match(await page.locator('#train-map-caption').textContent(), /first two of 3 dimensions/);
  assert.equal(await page.locator('#train-hidden').inputValue(), '128');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reload mid-training resumes from the checkpoint and keeps training', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.checkpointStep ?? 0) > 0);
  await page.waitForTimeout(300);
  const saved = Number((await data(page)).checkpointStep);
  const chartBefore = (await heldout(page)).length;
  await page.reload();
  await waitFor(page, () => document.body.dataset.trainer === 'ready');
  const info = await page.locator('#train-info').textContent();
  const resumedAt = Number(info.match(/step ([\d,]+)/)[1].replace(/,/g, ''));
  assert.ok(resumedAt >= saved, `resumed at ${resumedAt}, the last checkpoint seen was ${saved}`);
  // It was training, so it goes on, from there: never back to step 0.
  await waitFor(page, (n) => Number(document.body.dataset.trainStep ?? 0) > n, resumedAt);
  assert.ok(Number((await data(page)).trainStep) > resumedAt);
  assert.ok((await heldout(page)).length >= 1 && chartBefore >= 1, 'the loss history came back with the checkpoint');
  await pause(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('lr = 10 trips the NaN guard: training stops, says so, and the checkpoint is restored', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await trainAndCheckpoint(page, 20);
  await setField(page, '#train-lr', '10');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.nanStops ?? 0) >= 1);
  const d = await data(page);
  assert.equal(d.training, 'off');
  const info = await page.locator('#train-info').textContent();
  assert.match(info, /Training stopped: the loss became .* restored to its checkpoint at step (\d+)/);
  const restored = Number(info.match(/checkpoint at step (\d+)/)[1]);
  assert.ok(restored >= 20, `restored to step ${restored}`);
  assert.match(await page.locator('#train-readout').textContent(), new RegExp(`^step ${restored.toLocaleString('en')} `));
  // Still usable: a sane learning rate trains on from the checkpoint, and the explorer still decodes.
  await setField(page, '#train-lr', '0.001');
  await page.locator('#train-step').click();
  await waitFor(page, (n) => Number(document.body.dataset.trainStep) === n + 1, restored);
  const z = await page.evaluate(() => window.vaeExplorer.state.z[0]);
  await page.locator('#latent').focus();
  await page.keyboard.press('ArrowRight');
  await waitFor(page, (z0) => window.vaeExplorer.state.z[0] > z0, z);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a panic in the worker: the worker is replaced and resumes from the checkpoint, and the page says so', async () => {
  const { page, context, errors } = await openReady(browser, server);
  const saved = await trainAndCheckpoint(page, 10);
  await page.evaluate(() => window.vaeExplorer.training.forcePanic());
  await waitFor(page, () => document.body.dataset.trainerRestarts === '1');
  await waitFor(page, () => /resumed|Resumed/.test(document.getElementById('train-info').textContent));
  assert.match(await page.locator('#train-info').textContent(), /crashed/);
  await page.locator('#train-step').click();
  await waitFor(page, (n) => Number(document.body.dataset.trainStep) === n + 1, saved);
  // The panic hook logs the panic as a console error: that one is expected, nothing else.
  assert.deepEqual(errors.filter((e) => !/panic forced by a test|unreachable/.test(e)), []);
  await context.close();
});
