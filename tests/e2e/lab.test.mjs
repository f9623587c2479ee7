// The anomaly lab: its scores are Model.elbo's of the same images, computed again here by an independent
// Model in the page; its AUROC equals the pairwise count made here; the threshold's rates equal shares
// counted here; the reverse case (a Fashion-MNIST VAE finds MNIST more likely) is shown with its number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, drawOnPad } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const waitFor = (page, fn, arg, timeout = 60_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

/** In the page: a second Model from `file`, and the negative ELBO (4 draws of eps, seed 0: README) of each
 *  held-out image of the model's own data set and of the other one, and of the lab's noise. */
function independentScores(page, file, own, other) {
  return page.evaluate(async ({ file, own, other }) => {
    const { default: init, Model } = await import('/pkg/vae_wasm.js');
    await init();
    const m = new Model(new Uint8Array(await (await fetch(`/models/${file}`)).arrayBuffer()));
    const images = async (folder) => Float32Array.from(new Uint8Array(await (await fetch(`/data/${folder}heldout-images.idx3-ubyte`)).arrayBuffer()).subarray(16), (b) => b / 255);
    const score = (x) => Array.from(m.elbo(x, 4, 0).loss);
    const out = { own: score(await images(own)), other: score(await images(other)) };
    m.free();
    return out;
  }, { file, own, other });
}

/** AUROC by counting every pair: P(anomaly scores above normal) + P(tie) / 2. */
function pairwiseAuroc(normal, anomalies) {
  let wins = 0;
  for (const a of anomalies) for (const n of normal) wins += a > n ? 1 : a === n ? 0.5 : 0;
  return wins / (normal.length * anomalies.length);
}

const share = (xs, t) => xs.filter((v) => v >= t).length / xs.length;
const sorted = (xs) => [...xs].sort((a, b) => a - b);

async function labState(page) {
  return page.evaluate(() => {
    const lab = window.vaeExplorer.app.lab;
    return {
      own: Array.from(lab.scores.own), other: Array.from(lab.scores.other ?? []), noise: Array.from(lab.scores.noise ?? []),
      auroc: Number(document.getElementById('lab-auroc').dataset.auroc), threshold: lab.threshold,
      fpr: Number(document.getElementById('lab-rates').dataset.fpr), tpr: Number(document.getElementById('lab-rates').dataset.tpr),
    };
  });
}

// Mutation that turns it red: rank ties or the U statistic wrongly in roc.js's auroc (e.g. drop the "- p(p+1)/2"),
// or chunk the worker's elbo calls again (the draws of eps then differ from one call over the set).
test('the lab scores MNIST, Fashion-MNIST and noise with the VAE; its AUROC and its threshold rates match an independent count', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#page=lab`);
  assert.equal(await waitReady(page), 'ready');
  await waitFor(page, () => document.body.dataset.labDone && document.getElementById('lab-auroc').dataset.auroc);
  const lab = await labState(page);
  const want = await independentScores(page, 'mnist-2d.safetensors', '', 'fashion-mnist/');
  assert.deepEqual(lab.own, sorted(want.own), 'the held-out digits\' scores');
  assert.deepEqual(lab.other, sorted(want.other), 'the held-out clothes\' scores');
  assert.equal(lab.noise.length, 1000);
  const auc = pairwiseAuroc(want.own, want.other);
  assert.ok(Math.abs(lab.auroc - auc) < 1e-12, `AUROC ${lab.auroc} vs ${auc}`);
  assert.match(await page.locator('#lab-auroc').textContent(), new RegExp(`^AUROC ${auc.toFixed(3)} `));
  // The default threshold flags 5 % of the normal images; the rates shown are the shares at it.
  assert.ok(Math.abs(lab.fpr - 0.05) <= 0.001, `FPR ${lab.fpr}`);
  assert.equal(lab.fpr, share(want.own, lab.threshold));
  assert.equal(lab.tpr, share(want.other, lab.threshold));
  // Drag the threshold to the left third of the chart: more is flagged, and the rates follow.
  const box = await page.locator('#lab-hist').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const moved = await labState(page);
  assert.ok(moved.threshold < lab.threshold, `${moved.threshold} < ${lab.threshold}`);
  assert.equal(moved.fpr, share(want.own, moved.threshold));
  assert.equal(moved.tpr, share(want.other, moved.threshold));
  assert.ok(moved.fpr > lab.fpr);
  // Keys move it too.
  await page.locator('#lab-hist').focus();
  await page.keyboard.press('ArrowRight');
  const keyed = await labState(page);
  assert.ok(Math.abs(keyed.threshold / moved.threshold - 1.01) < 1e-9);
  // Noise as the anomalies: a second curve, and noise is far easier to catch.
  await page.locator('#lab-anomalies').selectOption('noise');
  await waitFor(page, () => Number(document.getElementById('lab-auroc').dataset.auroc) !== 0 && /^AUROC/.test(document.getElementById('lab-auroc').textContent));
  const noisy = await labState(page);
  assert.ok(Math.abs(noisy.auroc - pairwiseAuroc(want.own, noisy.noise)) < 1e-12);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: score the other data set with the MNIST model whatever the explored model
// (lab.js), or show the reverse-case note with a fixed number.
test('the reverse case: a Fashion-MNIST VAE gives MNIST digits a higher likelihood, shown with its measured AUROC', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#page=lab`);
  assert.equal(await waitReady(page), 'ready');
  await page.locator('#lab-reverse-show').click();
  await waitFor(page, () => window.vaeExplorer.subject?.id === 'fashion-vae-2d' && document.body.dataset.labDone
    && !document.getElementById('lab-reverse').hidden);
  const want = await independentScores(page, 'fashion-2d.safetensors', 'fashion-mnist/', '');
  const auc = pairwiseAuroc(want.own, want.other);
  const lab = await labState(page);
  assert.ok(Math.abs(lab.auroc - auc) < 1e-12, `AUROC ${lab.auroc} vs ${auc}`);
  assert.ok(auc < 0.5, `the reverse case holds for our model: AUROC ${auc}`);
  assert.equal(await page.locator('#lab-reverse-auc').textContent(), auc.toFixed(3));
  assert.equal(await page.locator('#lab-reverse-share').textContent(), `${(100 * (1 - auc)).toFixed(1)} %`);
  await page.locator('.lab-panel').screenshot({ path: join(ROOT, 'tests', 'screenshots', 'lab.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: leave the pad's drawing out of the user's set (lab.js's yours()), or score it
// with another model than the header's.
test('your drawing is scored in the lab as the model scores it, and a new drawing is scored again', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  assert.equal(await waitReady(page), 'ready');
  await drawOnPad(page, [[[0.5, 0.15], [0.5, 0.85]]]);
  await page.locator('#page-lab').click();
  await waitFor(page, () => document.body.dataset.labDone);
  await page.locator('#lab-anomalies').selectOption('yours');
  const scoreOfPad = () => page.evaluate(async () => {
    const { default: init, Model } = await import('/pkg/vae_wasm.js');
    await init();
    const m = new Model(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
    const s = m.elbo(window.vaeExplorer.padInput, 4, 0).loss[0];
    m.free();
    return { want: s, got: Array.from(window.vaeExplorer.app.lab.scores.yours ?? []) };
  });
  let r = await scoreOfPad();
  assert.deepEqual(r.got, [r.want]);
  assert.match(await page.locator('#lab-legend').textContent(), /your drawing and images: 1, median/);
  // A different drawing: back on the lab page, only your set is scored again.
  await page.locator('#page-explore').click();
  await page.locator('#pad-clear').click();
  await drawOnPad(page, [[[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7], [0.3, 0.3]]]);
  const job = await page.evaluate(() => Number(document.body.dataset.labJob));
  await page.locator('#page-lab').click();
  await waitFor(page, (j) => Number(document.body.dataset.labDone) > j, job);
  r = await scoreOfPad();
  assert.deepEqual(r.got, [r.want]);
  assert.deepEqual(errors, []);
  await context.close();
});
