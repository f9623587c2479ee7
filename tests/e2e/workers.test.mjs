// Training on two workers (web/js/train-pair.js): the training worker and a helper each compute a shard of
// every step, and a seed gives the same weights, to the bit, with one worker or two: through the page's
// controls, and in a long continuous run of the protocol itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launch, openPage, openReady, waitReady } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const waitFor = (page, fn, arg, timeout = 120_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

async function exportBytes(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#train-export').click()]);
  return readFileSync(await download.path());
}

/** The step the readout shows. */
const readoutStep = (page) => page.evaluate(() => Number(document.getElementById('train-readout').textContent.match(/^step ([\d,]+)/)?.[1].replace(/,/g, '') ?? -1));

/** `n` clicks of Step, each waited for. */
async function stepTimes(page, n) {
  for (let i = 0; i < n; i++) {
    const before = await readoutStep(page);
    await page.locator('#train-step').click();
    await waitFor(page, (b) => Number(document.getElementById('train-readout').textContent.match(/^step ([\d,]+)/)?.[1].replace(/,/g, '')) === b + 1, before);
  }
}

/** A fresh model from seed 5 on `workers` workers, `steps` steps by the Step button: its weights file. */
async function stepped(page, workers, steps) {
  await page.locator('#train-workers').selectOption(String(workers));
  await page.locator('#train-seed').fill('5');
  await page.locator('#train-reset').click();
  await waitFor(page, () => /^step 0 · epoch 0/.test(document.getElementById('train-readout').textContent));
  await stepTimes(page, steps);
  return exportBytes(page);
}

// Each Step syncs the helper from the trainer, so this test sees the helper's share, not its own updates
// (the next test does). Mutation that turns it red: the helper computing shard 0 instead of shard 1
// (followPair; the helper is then lost, and the page says training runs on one worker).
test('Step on two workers gives the weights of one worker, to the bit; playing on two says so and learns', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train', { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the page shares memory with its workers');
  // Train starts the training worker (Step and Reset wait for one).
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 1);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  const one = await stepped(page, 1, 6);
  // Each Step on two workers syncs the helper's replica from the trainer, then makes the step with it.
  const two = await stepped(page, 2, 6);
  assert.equal(await page.evaluate(() => document.body.dataset.trainWorkers), '2', 'the steps were made on two workers');
  assert.doesNotMatch(await page.locator('#train-info').textContent(), /one worker/);
  assert.ok(one.equals(two), 'six steps on one worker and on two give different weights');
  // Both moved away from the initial weights (a step that changed nothing would agree with itself).
  const start = await stepped(page, 1, 0);
  assert.ok(!start.equals(one));

  // Playing on two workers: the readout says so, and the loss falls.
  await page.locator('#train-workers').selectOption('2');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep) >= 150 && / 2 workers/.test(document.getElementById('train-readout').textContent));
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  const h = JSON.parse(await page.locator('#train-chart').getAttribute('data-heldout'));
  assert.ok(h[0][1] - h.at(-1)[1] > 20, `held-out -ELBO from ${h[0][1]} to ${h.at(-1)[1]}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// A page without cross-origin isolation cannot share memory with a helper: asked for two workers, it trains
// on one and says why, and a switch of language says all of it again, the reason too.
// Mutation that turns it red: the worker putting the reason into words itself (t() in failPair's callers, as
// before this test), which a switch to Korean leaves in English.
test('not cross-origin isolated, two workers asked for: one trains, the page says why, in either language', async () => {
  const { page, context, errors } = await openPage(browser, null, { viewport: { width: 1280, height: 900 } });
  // The page's document without the headers that isolate it (its workers keep theirs: they are same-origin).
  await page.route((url) => url.pathname === '/', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-embedder-policy'];
    delete headers['cross-origin-opener-policy'];
    await route.fulfill({ response, headers });
  });
  await page.goto(`${server.url}#page=train`);
  assert.equal(await waitReady(page), 'ready');
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  assert.equal(await page.locator('#train-workers').inputValue(), '1', 'one worker by default here');
  await page.locator('#train-workers').selectOption('2');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 3);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  assert.equal(await page.evaluate(() => document.body.dataset.trainWorkers), '1');
  assert.match(await page.locator('#train-info').textContent(), /one worker: the second could not help \(this page is not cross-origin isolated, so its workers cannot share memory\)/);
  await page.locator('#lang-ko').click();
  const ko = await page.locator('#train-info').textContent();
  assert.match(ko, /두 번째 워커가 돕지 못했습니다 \(이 페이지는 교차 출처 격리가 되어 있지 않아/, ko);
  assert.doesNotMatch(ko, /[A-Za-z]{3,}/, `no English left: ${ko}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// The protocol in one long continuous run, in the page's build: a worker (served by this test) trains the
// 784-512-2 VAE for 20 steps alone, then 150 steps paired with the page's own helper (train-helper.js) with
// a change of learning rate and of batch size between (each syncs the helper again), and compares its
// weights with 170 steps of a lone trainer with the same changes.
// Mutations that turn it red: the helper's replica made without the optimizer's state (train-helper.js);
// syncPair handing the helper twice the learning rate; the helper computing shard 0 instead of shard 1.
test('170 steps, 150 of them paired through shared memory, equal a lone trainer\'s to the bit', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train');
  // Served at the page's origin with the headers vae serve sends with the page's own workers (the page is
  // cross-origin isolated; its Content-Security-Policy allows workers from 'self' only).
  await context.route(/\/__test\/pair-worker\.js/, (route) => route.fulfill({
    contentType: 'text/javascript',
    body: PAIR_WORKER,
    headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
  }));
  const r = await page.evaluate(() => new Promise((resolve) => {
    const w = new Worker(`/__test/pair-worker.js?wasm=${document.body.dataset.wasm}`, { type: 'module' });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ error: e.message ?? 'the worker failed to load' });
  }));
  assert.equal(r.error, undefined);
  assert.equal(r.steps, 170);
  assert.equal(r.pairedSteps, 150);
  assert.equal(r.firstDiff, -1, `the weights differ first at byte ${r.firstDiff} of ${r.bytes}`);
  assert.ok(r.moved > 0.01, `the paired steps moved the weights by ${r.moved}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// Many short steps: a 784-16-2 autoencoder, batch 8, 3,000 steps paired. Its steps take tens of microseconds,
// so the training worker often finishes a step and has its share of the next one written before the helper,
// between its signal and its look at that counter, is back on a core: the helper must take a counter that has
// gone past the step it waits for as reached. (With equality, the pair stalled for 30 s and the helper was
// given up, in about half of the page's trainings of a 784-128-2 autoencoder.) Its weights are a lone
// trainer's to the bit, as above.
test('3,000 short paired steps: the helper keeps up when the training worker is a step ahead, and the weights are a lone trainer\'s', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train');
  await context.route(/\/__test\/tiny-pair-worker\.js/, (route) => route.fulfill({
    contentType: 'text/javascript',
    body: TINY_PAIR_WORKER,
    headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
  }));
  const r = await page.evaluate(() => new Promise((resolve) => {
    const w = new Worker(`/__test/tiny-pair-worker.js?wasm=${document.body.dataset.wasm}`, { type: 'module' });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ error: e.message ?? 'the worker failed to load' });
  }));
  assert.equal(r.error, undefined);
  assert.equal(r.lostAt, -1, `the helper was lost at paired step ${r.lostAt}, after ${r.ms} ms`);
  assert.equal(r.steps, 3000);
  assert.equal(r.firstDiff, -1, `the weights differ first at byte ${r.firstDiff} of ${r.bytes}`);
  assert.deepEqual(errors, []);
  await context.close();
});

const TINY_PAIR_WORKER = `
import { initTrainCore, Trainer } from '/js/train-core.js';
import { syncPair } from '/js/train-pair.js';
import { loaded, withBuild } from '/js/wasm-build.js';

await initTrainCore();
const get = async (f) => new Uint8Array(await (await fetch('/data/' + f)).arrayBuffer());
const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
const make = () => {
  const t = new Trainer({ family: 'ae', hidden: [16], latent: 2, batch: 8, seed: 11 });
  t.setData(img.subarray(16), lab.subarray(8));
  return t;
};
const N = 3000;
const lone = make();
lone.trainSteps(N);
const paired = make();
const helper = new Worker(withBuild(new URL('/js/train-helper.js', location.href)), { type: 'module' });
const s = await syncPair(paired, helper, loaded.build);
if (s.failed) throw new Error('the helper failed: ' + JSON.stringify(s.failed));
const t0 = performance.now();
let lostAt = -1;
for (let k = 0; k < N && lostAt < 0; k++) { s.lead.step(); if (s.lead.lost) lostAt = k; } // lost: one worker, as trainChunk goes on
const ms = Math.round(performance.now() - t0);
s.lead.stop();
const a = lone.toSafetensors();
const b = paired.toSafetensors();
let firstDiff = a.length === b.length ? -1 : 0;
for (let i = 0; i < a.length && firstDiff < 0; i++) if (a[i] !== b[i]) firstDiff = i;
self.postMessage({ steps: paired.step, lostAt, ms, firstDiff, bytes: a.length });
`;

const PAIR_WORKER = `
import { initTrainCore, Trainer } from '/js/train-core.js';
import { syncPair } from '/js/train-pair.js';
import { loaded, withBuild } from '/js/wasm-build.js';

await initTrainCore();
const get = async (f) => new Uint8Array(await (await fetch('/data/' + f)).arrayBuffer());
const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
const make = () => {
  const t = new Trainer({ hidden: [512], latent: 2, batch: 100, seed: 3 });
  t.setData(img.subarray(16), lab.subarray(8));
  return t;
};
// The plan: [steps, change before them].
const plan = [[20, null], [60, null], [50, (t) => t.setLr(0.003)], [40, (t) => t.setBatch(64)]];
const lone = make();
for (const [n, change] of plan) { change?.(lone); lone.trainSteps(n); }

const paired = make();
const helper = new Worker(withBuild(new URL('/js/train-helper.js', location.href)), { type: 'module' });
let pairedSteps = 0;
let mid = null; // the weights before the first paired step
for (const [i, [n, change]] of plan.entries()) {
  change?.(paired);
  if (i === 0) { paired.trainSteps(n); mid = paired.toSafetensors(); continue; }
  // syncPair also checks that the helper runs this worker's build.
  const s = await syncPair(paired, helper, loaded.build);
  if (s.failed) throw new Error('the helper failed: ' + JSON.stringify(s.failed));
  for (let k = 0; k < n; k++) { s.lead.step(); if (s.lead.lost) throw new Error('the helper was lost'); pairedSteps++; }
  s.lead.stop();
}
const a = lone.toSafetensors();
const b = paired.toSafetensors();
let firstDiff = a.length === b.length ? -1 : 0;
for (let i = 0; i < a.length && firstDiff < 0; i++) if (a[i] !== b[i]) firstDiff = i;
let moved = 0;
const f32 = (u8) => new Float32Array(u8.buffer, u8.byteOffset + 8 + Number(new DataView(u8.buffer, u8.byteOffset).getBigUint64(0, true)));
const [x, y] = [f32(mid.slice()), f32(b.slice())];
for (let i = 0; i < x.length; i++) moved = Math.max(moved, Math.abs(x[i] - y[i]));
self.postMessage({ steps: paired.step, pairedSteps, firstDiff, bytes: a.length, moved });
`;
