// Training in the browser, in real Chromium: the worker learns, the main thread stays responsive, the
// exported weights evaluate the same natively, checkpoints survive a reload, the NaN guard and the panic
// recovery restore the last checkpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openReady, INDEPENDENT, readF32Safetensors, writeF32Safetensors, largestChange } from './harness.mjs';

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

const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');
/** `vae eval` of a weights file: the held-out figures with 1 draw of eps from seed 0, as the page measures. */
const nativeEval = (file) => JSON.parse(execFileSync(VAE, ['eval', '--weights', file, '--samples', '1', '--seed', '0', '--json'], { cwd: ROOT }).toString());

/** The trainer's weights as the page's "Download weights" button saves them. */
async function exportBytes(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#train-export').click()]);
  return readFileSync(await download.path());
}

/** The held-out history once the figure for the current step is in. */
async function heldoutAtStep(page) {
  const s = Number((await data(page)).trainStep ?? 0);
  await waitFor(page, (n) => JSON.parse(document.getElementById('train-chart').dataset.heldout ?? '[]').at(-1)?.[0] === n, s);
  return heldout(page);
}

// Mutation that turns it red: train the worker on the held-out split (`loadSplit('heldout', ...)` for the
// training set in train-worker.js): the page's held-out figure then moves far from the native trainer's
// for the same seed and steps. A long-task observer that records nothing fails its positive control.
test('the worker trains as the native trainer does for the same seed and data, with no main-thread task over 50 ms', async (t) => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => window.__long.push(...list.getEntries().map((e) => ({ start: e.startTime, ms: e.duration }))))
      .observe({ type: 'longtask', buffered: false });
  });
  // Positive control: a 120-ms task on the main thread is seen.
  await page.evaluate(() => setTimeout(() => { const t = performance.now(); while (performance.now() - t < 120); }, 0));
  await waitFor(page, () => window.__long.some((e) => e.ms >= 100), null, 5_000);
  await page.locator('.train-panel').scrollIntoViewIfNeeded();
  // The window opens at the first step, once the worker has started: "while the worker trains".
  await trainTo(page, 1);
  const t0 = await page.evaluate(() => performance.now());
  await waitFor(page, (n) => Number(document.body.dataset.trainStep ?? 0) >= n, 300);
  const t1 = await page.evaluate(() => performance.now());
  await pause(page);
  const h = await heldoutAtStep(page);
  const steps = h.at(-1)[0];
  assert.equal(h[0][0], 0, 'the first held-out check is of the initial weights');
  assert.ok(Math.abs(h.at(-1)[1] - h.at(-1)[2] - h.at(-1)[3]) < 1e-3, 'loss = recon + KL');
  // The native trainer, the same settings and seed, the same 9,000 digits, the same number of steps.
  const file = join(ARTIFACTS, 'native-same-run.safetensors');
  execFileSync(VAE, ['train', '--steps', String(steps), '--seed', '1', '--hidden', '512', '--latent', '2', '--out', file], { cwd: ROOT, stdio: 'ignore' });
  const native = nativeEval(file);
  t.diagnostic(`held-out -ELBO after ${steps} steps: page ${h.at(-1)[1].toFixed(3)}, native ${native.loss.toFixed(3)} (from ${h[0][1].toFixed(1)})`);
  assert.ok(Math.abs(native.loss - h.at(-1)[1]) < 0.1, `after ${steps} steps the page's held-out -ELBO is ${h.at(-1)[1]}, the native trainer's ${native.loss}`);
  assert.ok(h[0][1] - h.at(-1)[1] >= 30, `held-out -ELBO went from ${h[0][1].toFixed(2)} to ${h.at(-1)[1].toFixed(2)} nats`);
  // The page's weights themselves: their held-out figure natively is the page's.
  const ours = join(ARTIFACTS, 'page-same-run.safetensors');
  (await import('node:fs')).writeFileSync(ours, await exportBytes(page));
  assert.ok(Math.abs(nativeEval(ours).loss - h.at(-1)[1]) < 0.05, 'the page\'s figure is of its own weights');
  // Long tasks while the worker trained (the control above is before t0).
  const long = await page.evaluate(({ t0, t1 }) => window.__long.filter((e) => e.start >= t0 && e.start <= t1), { t0, t1 });
  assert.deepEqual(long, [], `main-thread tasks over 50 ms during training: ${JSON.stringify(long)}`);
  // The live views show the model being trained: 1,000 dots, a 15x15 grid.
  assert.equal(await page.evaluate(() => document.getElementById('train-grid').width), 15 * 28);
  assert.match(await page.locator('#train-map-caption').textContent(), /model being trained \(step/);
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'training.png') });
  // The band: the pretrained model's held-out figure, as `vae eval` gives it.
  const ref = Number(await page.locator('#train-chart').getAttribute('data-reference'));
  assert.ok(Math.abs(ref - nativeEval(join(ROOT, 'web', 'models', 'mnist-2d.safetensors')).loss) < 0.05, `reference band at ${ref}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: have "Explore this model" (training.js) load the pretrained file instead of
// the trained weights.
test('exported weights give the same held-out loss in `vae eval` as on the page, and load in the explorer', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { acceptDownloads: true });
  await trainTo(page, 60);
  await pause(page);
  const d = await data(page);
  const h = await heldout(page);
  assert.equal(h.at(-1)[0], Number(d.trainStep), 'pausing evaluates the weights as they are');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#train-export').click()]);
  assert.equal(download.suggestedFilename(), `vae-step-${d.trainStep}.safetensors`);
  const file = join(ARTIFACTS, 'trained.safetensors');
  await download.saveAs(file);
  const native = nativeEval(file);
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
  // The same weights as a PyTorch user saves them (nn.Sequential keys, mu and log sigma^2 in one chunked
  // layer, no vae_config), written by the test: the explorer shows the same model, dot for dot.
  // Mutation that turns it red: swap the chunked layer's halves (mu from the second) in pytorch.rs.
  const ours = readF32Safetensors((await import('node:fs')).readFileSync(file));
  const t = (name) => [ours.shapes[name], ours.tensors[name]];
  const chunked = (what) => {
    const [mu, lv] = [ours.tensors[`enc_mu.${what}`], ours.tensors[`enc_logvar.${what}`]];
    const both = new Float32Array(mu.length + lv.length);
    both.set(mu);
    both.set(lv, mu.length);
    return [[2 * ours.shapes[`enc_mu.${what}`][0], ...ours.shapes[`enc_mu.${what}`].slice(1)], both];
  };
  assert.deepEqual(ours.shapes['enc_mu.weight'], [2, 512], 'the page trains a 784-512-2 model');
  const torchFile = writeF32Safetensors({
    'encoder.0.weight': t('enc.0.weight'), 'encoder.0.bias': t('enc.0.bias'),
    'encoder.2.weight': chunked('weight'), 'encoder.2.bias': chunked('bias'),
    'decoder.0.weight': t('dec.0.weight'), 'decoder.0.bias': t('dec.0.bias'),
    'decoder.2.weight': t('dec_out.weight'), 'decoder.2.bias': t('dec_out.bias'),
  }, { format: 'pt' });
  await page.locator('#weights-file').setInputFiles({ name: 'from-pytorch.safetensors', mimeType: 'application/octet-stream', buffer: torchFile });
  await waitFor(page, () => /from-pytorch\.safetensors/.test(document.getElementById('model-name').textContent));
  const torchDots = await page.evaluate(() => Array.from(window.vaeExplorer.dotsMu));
  const ourDots = await page.evaluate(new Function('b64', `return (async () => { ${INDEPENDENT}
    return Array.from(new Vae(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))).encode(images).mu);
  })()`), (await import('node:fs')).readFileSync(file).toString('base64'));
  assert.deepEqual(torchDots, ourDots);
  // An autoencoder (trained natively) is explored like any model: its dots are its codes z.
  const aeFile = join(ARTIFACTS, 'ae.safetensors');
  execFileSync(VAE, ['train', '--family', 'ae', '--hidden', '16', '--steps', '2', '--out', aeFile], { cwd: ROOT, stdio: 'ignore' });
  await page.locator('#weights-file').setInputFiles(aeFile);
  await waitFor(page, () => /autoencoder, 2-D \(ae\.safetensors\)/.test(document.getElementById('model-name').textContent));
  const aeDots = await page.evaluate(new Function('b64', `return (async () => { ${INDEPENDENT}
    const ae = new Vae(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const e = ae.encode(images);
    return { mu: Array.from(e.mu), logvar: e.logvar === undefined, shown: Array.from(window.vaeExplorer.dotsMu) };
  })()`), (await import('node:fs')).readFileSync(aeFile).toString('base64'));
  assert.deepEqual(aeDots.shown, aeDots.mu, 'the map shows the autoencoder\'s codes');
  assert.equal(aeDots.logvar, true, 'an autoencoder has no log sigma^2');
  assert.equal(await page.locator('#error').isHidden(), true);
  await page.locator('#model-select').selectOption('vae-2d');
  await waitFor(page, () => window.vaeExplorer.state.subject?.id === 'vae-2d');
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
  // "Explore this model": the explorer's dots become an independent Vae's encoding of the exported weights.
  await page.locator('#model-select').selectOption('vae-2d');
  await waitFor(page, () => window.vaeExplorer.state.subject?.id === 'vae-2d');
  await page.locator('#train-use').click();
  await waitFor(page, () => /the model trained here \(step/.test(document.getElementById('model-name').textContent));
  const worst = await page.evaluate(new Function('b64', `return (async () => { ${INDEPENDENT}
    const trained = new Vae(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const mu = trained.encode(images).mu;
    const shown = window.vaeExplorer.dotsMu;
    return mu.reduce((w, v, i) => Math.max(w, Math.abs(v - shown[i])), 0);
  })()`), b64);
  assert.ok(worst < 1e-6, `the explored model's dots differ from the trained weights' encoding by ${worst}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutations that turn it red: drop `trainer.setLr(lr)` (or setBeta) from the worker's `set` handler (the
// update's size, or the loss's split, no longer follows the field); make reset ignore the seed.
test('batch size, learning rate and β change while training, without a reset; the budgets stop it; a new seed is a new model', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { acceptDownloads: true });
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
  // β = 4 reaches the trainer: the batches' loss becomes recon + 4 KL.
  await setField(page, '#train-beta', '4');
  await waitFor(page, () => window.vaeExplorer.training.settings.beta === 4);
  const atBeta = Number((await data(page)).trainStep);
  await waitFor(page, (n) => window.vaeExplorer.training.history.train.at(-1)[0] > n + 5, atBeta);
  const [, loss, recon, kl] = await page.evaluate(() => window.vaeExplorer.training.history.train.at(-1));
  assert.ok(Math.abs(loss - (recon + 4 * kl)) < 1e-2 && kl > 0.1, `with β = 4: ${loss} vs ${recon} + 4 × ${kl}`);
  await setField(page, '#train-beta', '1');
  // Budget: stop at the end of epoch 2 (9,000 digits: 90 steps of 100, then 180 of 50).
  await setField(page, '#train-epochs', '2');
  await waitFor(page, () => document.body.dataset.training === 'off');
  assert.match(await page.locator('#train-info').textContent(), /budget of 2 epochs is used up/);
  assert.equal((await data(page)).trainEpoch, '2');
  await setField(page, '#train-epochs', '0');
  // The learning rate reaches the trainer: one AdamW step moves no weight by more than a few lr.
  for (const [lr, lo, hi] of [[1e-6, 0, 1e-5], [1e-2, 1e-3, 0.1]]) {
    await setField(page, '#train-lr', String(lr));
    await waitFor(page, (v) => window.vaeExplorer.training.settings.lr === v, lr);
    const w0 = readF32Safetensors(await exportBytes(page));
    const s0 = Number((await data(page)).trainStep);
    await page.locator('#train-step').click();
    await waitFor(page, (n) => Number(document.body.dataset.trainStep) === n + 1, s0);
    const moved = largestChange(w0, readF32Safetensors(await exportBytes(page)));
    assert.ok(moved > lo && moved < hi, `lr ${lr}: one step moved a weight by at most ${moved}`);
  }
  // Patience: with lr = 1e-6 the held-out loss cannot improve by 0.01 nats in 200 steps, so a patience of 1
  // stops training at the next held-out check.
  await setField(page, '#train-lr', '0.000001');
  await setField(page, '#train-patience', '1');
  await page.locator('#train-play').click();
  await waitForInfo(page, /held-out loss has not improved for 1 evaluations/, 120_000);
  await waitFor(page, () => document.body.dataset.training === 'off');
  await setField(page, '#train-patience', '0');
  // Compare: the views switch to the pretrained model.
  await page.locator('#train-compare').check();
  assert.match(await page.locator('#train-map-caption').textContent(), /pretrained model/);
  await page.locator('#train-compare').uncheck();
  // Reset with another architecture and seeds: a fresh 784-128-3 model from step 0, whose first held-out
  // figure depends on the seed (and only on it).
  await page.locator('#train-hidden').selectOption('128');
  await page.locator('#train-latent').selectOption('3');
  const initial = [];
  for (const seed of ['2', '3', '2']) {
    await page.locator('#train-seed').fill(seed);
    await page.evaluate(() => { document.getElementById('train-chart').dataset.heldout = '[]'; }); // the new model's figure, not the last one
    await page.locator('#train-reset').click();
    await waitFor(page, () => /^step 0 · epoch 0/.test(document.getElementById('train-readout').textContent)
      && JSON.parse(document.getElementById('train-chart').dataset.heldout).length === 1);
    initial.push((await heldout(page))[0][1]);
  }
  assert.notEqual(initial[0], initial[1], `seeds 2 and 3 give different models: ${initial}`);
  assert.equal(initial[0], initial[2], `seed 2 twice gives the same model: ${initial}`);
  await trainTo(page, 5);
  await pause(page);
  assert.match(await page.locator('#train-map-caption').textContent(), /z₁ and z₂ of 3 dimensions/);
  assert.equal(await page.locator('#train-hidden').inputValue(), '128');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: in train-worker.js's init, resume with `new Trainer(opts)` (fresh weights)
// but keep `setPosition(saved.step, ...)`: the counters come back, the weights do not.
test('a reload resumes from the checkpoint: the same weights and history when paused; training goes on when it was training', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { acceptDownloads: true });
  const saved = await trainAndCheckpoint(page, 30);
  const bytes = await exportBytes(page);
  const history = await heldoutAtStep(page);
  await page.reload();
  await waitFor(page, () => document.body.dataset.trainer === 'ready');
  assert.match(await page.locator('#train-info').textContent(), new RegExp(`Resumed from the checkpoint at step ${saved}\\.`));
  assert.ok(bytes.equals(await exportBytes(page)), 'the resumed trainer holds exactly the weights it had');
  assert.deepEqual(await heldout(page), history, 'the held-out history came back with the checkpoint');
  assert.notEqual((await data(page)).training, 'on', 'it was paused, so it stays paused');

  // Now reload while training: it resumes from the latest checkpoint and trains on, never from step 0.
  await page.locator('#train-play').click();
  await waitFor(page, (n) => Number(document.body.dataset.checkpointStep ?? 0) > n, saved);
  const second = Number((await data(page)).checkpointStep);
  await page.reload();
  await waitFor(page, () => document.body.dataset.trainer === 'ready');
  const resumedAt = Number((await page.locator('#train-info').textContent()).match(/step ([\d,]+)/)[1].replace(/,/g, ''));
  assert.ok(resumedAt >= second, `resumed at ${resumedAt}, the last checkpoint seen was ${second}`);
  await waitFor(page, (n) => Number(document.body.dataset.trainStep ?? 0) > n, resumedAt);
  const after = await heldout(page);
  assert.deepEqual(after.slice(0, history.length), history, 'the history before the first reload is still there');
  await pause(page);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: restore only the counters in restoreAfterNonFinite (drop `loadSafetensors`):
// the weights exported afterwards are the blown-up ones.
test('lr = 10 trips the NaN guard: training stops, says so, and the checkpoint\'s weights are restored', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { acceptDownloads: true });
  const saved = await trainAndCheckpoint(page, 20);
  const bytes = await exportBytes(page);
  await setField(page, '#train-lr', '10');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.nanStops ?? 0) >= 1);
  const d = await data(page);
  assert.equal(d.training, 'off');
  const info = await page.locator('#train-info').textContent();
  assert.match(info, /Training stopped: the loss became .* restored to its checkpoint at step (\d+)/);
  const restored = Number(info.match(/checkpoint at step (\d+)/)[1]);
  assert.equal(restored, saved);
  assert.match(await page.locator('#train-readout').textContent(), new RegExp(`^step ${restored.toLocaleString('en')} `));
  assert.ok(bytes.equals(await exportBytes(page)), 'the weights are the checkpoint\'s, not the blown-up ones');
  // Still usable: a sane learning rate trains on from the checkpoint, and the explorer still decodes.
  await setField(page, '#train-lr', '0.001');
  await page.locator('#train-step').click();
  await waitFor(page, (n) => Number(document.body.dataset.trainStep) === n + 1, restored);
  const z = await page.evaluate(() => window.vaeExplorer.state.z[0]);
  await page.locator('#page-explore').click();
  await page.locator('#latent').focus();
  await page.keyboard.press('ArrowRight');
  await waitFor(page, (z0) => window.vaeExplorer.state.z[0] > z0, z);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutations that turn it red: drop `worker?.terminate()` in training.js's recover (the panicked worker
// stays alive), or resume the new worker fresh instead of from the checkpoint (other weights), or drop the
// re-sending of the exports the crashed worker owed.
test('a panic in the worker: it is terminated, a new one resumes from the checkpoint\'s weights, and the page says so', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { acceptDownloads: true });
  const saved = await trainAndCheckpoint(page, 10);
  const bytes = await exportBytes(page);
  const [first] = page.workers();
  let firstClosed = false;
  first.on('close', () => { firstClosed = true; });
  // Export is pressed as the worker panics: the panicked worker never answers, and the new one does.
  const pressed = page.waitForEvent('download');
  await page.evaluate(() => { window.vaeExplorer.training.forcePanic(); document.getElementById('train-export').click(); });
  await waitFor(page, () => document.body.dataset.trainerRestarts === '1');
  await waitFor(page, () => /resumed|Resumed/.test(document.getElementById('train-info').textContent));
  assert.match(await page.locator('#train-info').textContent(), /crashed/);
  await page.waitForTimeout(200);
  assert.equal(firstClosed, true, 'the panicked worker was terminated');
  assert.equal(page.workers().length, 1, 'one worker, the new one');
  assert.notEqual(page.workers()[0], first);
  assert.ok(bytes.equals(readFileSync(await (await pressed).path())), 'the export pressed during the crash came, with the checkpoint\'s weights');
  assert.ok(bytes.equals(await exportBytes(page)), 'the new worker holds the checkpoint\'s weights');
  await page.locator('#train-step').click();
  await waitFor(page, (n) => Number(document.body.dataset.trainStep) === n + 1, saved);
  // The panic hook logs the panic as a console error: that one is expected, nothing else.
  assert.deepEqual(errors.filter((e) => !/panic forced by a test|unreachable/.test(e)), []);
  await context.close();
});
