// The guided lesson: every step opened by link, key or button sets the state it names and shows only its
// panels; its reveal's numbers are computed again here, by a second Model built in the page from the same
// weights files and by this test's own arithmetic, and the answer the page marks right must follow from them.
// Then the lesson by keyboard alone, reduced motion, a language switch in the middle, and bad lesson links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, nextFrames, assertFits } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const stepReady = (page, n) => page.waitForFunction((n) => document.body.dataset.lessonReady === String(n), n, { timeout: 60_000 });

async function reveal(page, n) {
  await page.locator('#lesson-reveal').click();
  await page.waitForFunction((n) => document.body.dataset.lessonRevealed === String(n), n, { timeout: 120_000 });
  return page.evaluate(() => ({
    answer: Number(document.getElementById('lesson-verdict').dataset.answer),
    right: [...document.querySelectorAll('#lesson-choices label')].findIndex((l) => l.classList.contains('right')),
    facts: JSON.parse(document.getElementById('lesson-answer').dataset.facts),
    text: document.getElementById('lesson-answer').textContent,
    verdict: document.getElementById('lesson-verdict').textContent,
  }));
}

/** Which of the page's panels are shown. */
const shownPanels = (page) => page.evaluate(() => [...document.querySelectorAll('main > section, main > aside')]
  .filter((el) => el.checkVisibility()).map((el) => el.classList[1] ?? el.classList[0]));

/** In the page: a second Model of zoo file `file`, and the held-out digits parsed again from their IDX file. */
const SECOND = `
  const { default: init, Model } = await import('/pkg/vae_wasm.js');
  await init();
  const model = async (file) => new Model(new Uint8Array(await (await fetch('/models/' + file)).arrayBuffer()));
  const bytes = new Uint8Array(await (await fetch('/data/heldout-images.idx3-ubyte')).arrayBuffer()).subarray(16);
  const labels = new Uint8Array(await (await fetch('/data/heldout-labels.idx1-ubyte')).arrayBuffer()).subarray(8);
  const images = Float32Array.from(bytes, (b) => b / 255);
  const P = 784;
  const img = (i) => images.subarray(i * P, (i + 1) * P);
  const rmsOf = (a, b) => { let s = 0; for (let p = 0; p < P; p++) s += (a[p] - b[p]) ** 2; return Math.sqrt(s / P); };
`;

/** Runs `body` (code after SECOND's definitions, ending in a return) in the page. */
const second = (page, body, arg) => page.evaluate(`(async (arg) => { ${SECOND} ${body} })(${JSON.stringify(arg ?? null)})`);

// What each step must set up and show, written from the lesson's outline (not read from the lesson's code).
const STEPS = {
  1: { model: 'ae-2d', page: 'explore', shown: ['stage', 'side'] },
  2: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side'] },
  3: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side'] },
  4: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side'], view: 'grid' },
  5: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side', 'pad-panel'] },
  6: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side', 'interp-panel'] },
  7: { model: 'bvae-8d', page: 'explore', shown: ['stage', 'side', 'dims-panel'] },
  8: { model: 'cvae-2d', page: 'explore', shown: ['stage', 'side', 'analogy-panel'] },
  9: { model: 'vae-2d', page: 'lab', shown: ['lab-panel'] },
  10: { model: 'vae-2d', page: 'explore', shown: ['stage', 'side'] },
};

async function checkStep(page, n) {
  await stepReady(page, n);
  await page.waitForFunction((n) => new RegExp(`[#&]lesson=vae&step=${n}(&|$)`).test(location.hash), n);
  const want = STEPS[n];
  const state = await page.evaluate(() => ({ model: window.vaeExplorer.state.subject.id, page: window.vaeExplorer.state.page, view: window.vaeExplorer.state.view }));
  assert.equal(state.model, want.model, `step ${n}'s model`);
  assert.equal(state.page, want.page, `step ${n}'s page`);
  if (want.view) assert.equal(state.view, want.view);
  assert.deepEqual(await shownPanels(page), ['lesson-panel', ...want.shown], `step ${n}'s panels`);
  assert.equal(await page.locator('#page-lessons').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator(`#lesson-steps button[aria-current="step"]`).textContent(), String(n));
  // Its formula is MathML, rendered by the browser: a <math> element with a box of its own.
  const math = await page.evaluate(() => [...document.querySelectorAll('#lesson-math math')].map((m) => m.namespaceURI + ' ' + Math.round(m.getBoundingClientRect().width)));
  assert.ok(math.length >= 1 && math.every((m) => m.startsWith('http://www.w3.org/1998/Math/MathML') && Number(m.split(' ')[1]) > 50), `step ${n}'s formula: ${math}`);
}

// Mutations that turn it red: a wrong answer index in any step of lessons/vae.js, a step's focus that shows
// another panel, a measure that miscounts (greyPixels with an upper bound of 0.95), step 3's ∂L/∂σ₁ by a
// forward difference (all four seen red).
test('every step sets its state and panels, and its revealed numbers and answer hold when computed again', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#lang=en&lesson=vae&step=1`, { viewport: { width: 1280, height: 900 } });
  assert.equal(await waitReady(page), 'ready');

  // 1. The autoencoder: the point in a hole of its codes; the reveal goes to the compare page's prior samples.
  await checkStep(page, 1);
  const hole = await page.evaluate(() => {
    const s = window.vaeExplorer.state.subject;
    const z = window.vaeExplorer.state.z;
    let near = Infinity;
    for (let i = 0; i < s.mu.length / 2; i++) near = Math.min(near, Math.hypot(s.mu[2 * i] - z[0], s.mu[2 * i + 1] - z[1]));
    let typical = 0; // the median distance from a code to its nearest other code
    const nn = [];
    for (let i = 0; i < s.mu.length / 2; i++) {
      let m = Infinity;
      for (let j = 0; j < s.mu.length / 2; j++) if (j !== i) m = Math.min(m, Math.hypot(s.mu[2 * i] - s.mu[2 * j], s.mu[2 * i + 1] - s.mu[2 * j + 1]));
      nn.push(m);
    }
    typical = nn.sort((a, b) => a - b)[nn.length >> 1];
    return { near, typical };
  });
  assert.ok(hole.near > 5 * hole.typical, `the point is in a hole: ${JSON.stringify(hole)}`);
  await page.locator('#lesson-choices input').nth(0).check();
  let r = await reveal(page, 1);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.page), 'compare');
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.state.twin), ['ae-8d', 'vae-8d']);
  assert.deepEqual(await shownPanels(page), ['lesson-panel', 'twin-panel', 'prior-panel']);
  const ball = await second(page, `
    const out = {};
    for (const file of ['mnist-ae-8d.safetensors', 'mnist-vae-8d.safetensors']) {
      const m = await model(file);
      const mu = m.encode(images).mu;
      let inside = 0;
      for (let i = 0; i < 1000; i++) if (Math.hypot(...mu.subarray(8 * i, 8 * i + 8)) < arg) inside++;
      out[file] = inside / 1000;
      m.free();
    }
    return out;`, 3.9379); // sqrt of chi-square(8)'s 95 % quantile, 15.507 (tables)
  assert.ok(Math.abs(r.facts.ae.r - 3.9379) < 0.05, `r = ${r.facts.ae.r}`);
  assert.ok(Math.abs(r.facts.ae.share - ball['mnist-ae-8d.safetensors']) <= 0.005);
  assert.ok(Math.abs(r.facts.vae.share - ball['mnist-vae-8d.safetensors']) <= 0.005);
  assert.ok(ball['mnist-ae-8d.safetensors'] < 0.5 && ball['mnist-vae-8d.safetensors'] > 0.5);
  assert.equal(r.answer, 1);
  assert.equal(r.right, 1);
  assert.match(r.verdict, /^Not quite\. The answer: Smudges/);
  assert.match(await page.locator('#lesson-choices label').nth(0).getAttribute('class'), /wrong/);

  // 2. σ: by keyboard (→ with nothing focused), and the σ of the held-out digits computed again.
  await page.locator('#lesson-title').focus();
  await page.keyboard.press('ArrowRight');
  await checkStep(page, 2);
  r = await reveal(page, 2);
  const sig = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const lv = m.encode(images).logvar;
    const each = Array.from({ length: 1000 }, (_, i) => (Math.exp(lv[2 * i] / 2) + Math.exp(lv[2 * i + 1] / 2)) / 2);
    m.free();
    const sorted = each.slice().sort((a, b) => a - b);
    return { med: (sorted[499] + sorted[500]) / 2, widest: each.indexOf(Math.max(...each)) };`);
  assert.ok(Math.abs(r.facts.med - sig.med) < 1e-6);
  assert.equal(r.facts.i, sig.widest);
  assert.ok(sig.med < 0.5);
  assert.equal(r.answer, 1);
  assert.equal(await page.locator('#inspect-info').getAttribute('data-index'), String(sig.widest));

  // 3. The reparameterisation: ∂L/∂μ₁ and ∂L/∂σ₁ by central differences, again, and the chain rule between them.
  await page.keyboard.press('PageDown');
  await checkStep(page, 3);
  r = await reveal(page, 3);
  const grad = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const x = img(200);
    const { mu, logvar } = m.encode(x);
    const sg = Array.from(logvar, (v) => Math.exp(v / 2));
    const eps = arg;
    const bce = (mm, ss) => {
      const p = m.decode(Float32Array.from([0, 1], (j) => mm[j] + ss[j] * eps[j]));
      let s = 0;
      for (let i = 0; i < P; i++) { const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i])); s -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q); }
      return s;
    };
    const h = 0.01;
    const g = (f) => (f(h) - f(-h)) / (2 * h);
    const out = { gmu: g((d) => bce([mu[0] + d, mu[1]], sg)), gsigma: g((d) => bce(mu, [sg[0] + d, sg[1]])) };
    m.free();
    return out;`, r.facts.epsilon);
  assert.equal(r.facts.i, 200);
  assert.ok(Math.abs(r.facts.gmu - grad.gmu) < 1e-3 && Math.abs(r.facts.gsigma - grad.gsigma) < 1e-3, JSON.stringify({ page: r.facts, test: grad }));
  assert.ok(Math.abs(grad.gsigma - r.facts.epsilon[0] * grad.gmu) < 0.1 * Math.abs(grad.gsigma), 'dL/dσ₁ = ε₁ · dL/dμ₁');
  assert.ok(Math.abs(grad.gmu) > 0.1 && Math.abs(grad.gsigma) > 0.1);
  assert.equal(r.answer, 1);

  // 4. The grid; the largest step along z₂ = 0 against the held-out digits' pairwise differences.
  await page.keyboard.press('PageDown');
  await checkStep(page, 4);
  r = await reveal(page, 4);
  const row = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const d = m.decode(Float32Array.from({ length: 82 }, (_, k) => (k % 2 ? 0 : -2 + 0.1 * (k >> 1))));
    let step = 0;
    for (let k = 1; k < 41; k++) step = Math.max(step, rmsOf(d.subarray((k - 1) * P, k * P), d.subarray(k * P)));
    m.free();
    return { step };`);
  assert.ok(Math.abs(r.facts.step - row.step) < 1e-6);
  assert.ok(row.step < 0.5 * r.facts.pairs && r.facts.pairs > 0.2);
  assert.equal(r.answer, 1);

  // 5. The loss, by a link: held-out #500's −ELBO, recon and KL from the second model's elbo (10 draws, seed 7).
  await page.evaluate(() => { location.hash = '#lang=en&lesson=vae&step=5'; });
  await checkStep(page, 5);
  r = await reveal(page, 5);
  const e5 = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const e = m.elbo(img(500), 10, 7);
    m.free();
    return { recon: e.recon[0], kl: e.kl[0], loss: e.loss[0] };`);
  for (const k of ['recon', 'kl', 'loss']) assert.ok(Math.abs(r.facts[k] - e5[k]) < 1e-3, k);
  assert.ok(r.text.includes(`reconstruction ${e5.recon.toFixed(1)} + KL ${e5.kl.toFixed(1)}`), r.text);
  assert.equal(r.answer, 0);

  // 6. Interpolation: the model's own reconstruction of the two halfway images.
  await page.keyboard.press('ArrowRight');
  await checkStep(page, 6);
  r = await reveal(page, 6);
  const ends = await page.evaluate(() => [window.vaeExplorer.state.a, window.vaeExplorer.state.b]);
  const mid = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const [a, b] = arg;
    const halfway = m.decode(Float32Array.from([0, 1], (j) => (a[j] + b[j]) / 2));
    const e = m.decode(Float32Array.from([...a, ...b]));
    const fade = Float32Array.from({ length: P }, (_, p) => (e[p] + e[P + p]) / 2);
    const again = (x) => rmsOf(x, m.decode(m.encode(x).mu));
    const out = { latent: again(halfway), pixel: again(fade), aClass: labels[0], bClass: labels[100] };
    m.free();
    return out;`, ends);
  assert.ok(Math.abs(r.facts.latent - mid.latent) < 1e-6 && Math.abs(r.facts.pixel - mid.pixel) < 1e-6);
  assert.ok(mid.latent < 0.5 * mid.pixel);
  assert.equal(r.answer, 0);

  // 7. β-VAE: the active dimensions of both 8-D models, from KL(q(z_j | x) ‖ N(0, 1)) computed here.
  await page.keyboard.press('ArrowRight');
  await checkStep(page, 7);
  r = await reveal(page, 7);
  const act = await second(page, `
    const out = {};
    for (const file of ['mnist-bvae-8d.safetensors', 'mnist-vae-8d.safetensors']) {
      const m = await model(file);
      const { mu, logvar } = m.encode(images);
      const kl = new Array(8).fill(0);
      for (let i = 0; i < mu.length; i++) kl[i % 8] += 0.5 * (mu[i] ** 2 + Math.exp(logvar[i]) - 1 - logvar[i]) / 1000;
      out[file] = kl.map((k, j) => [k, j]).filter(([k]) => k > 0.01).map(([, j]) => j);
      m.free();
    }
    return out;`);
  assert.deepEqual(r.facts.b, act['mnist-bvae-8d.safetensors']);
  assert.deepEqual(r.facts.v, act['mnist-vae-8d.safetensors']);
  assert.ok(act['mnist-bvae-8d.safetensors'].length < act['mnist-vae-8d.safetensors'].length);
  assert.equal(r.answer, 2);
  // The map shows the two most informative dimensions.
  const pair = await page.evaluate(() => window.vaeExplorer.state.pair);
  assert.ok(pair.every((j) => act['mnist-bvae-8d.safetensors'].includes(j)), `pair ${pair}`);

  // 8. A CVAE: held-out #300 (a 3) encoded with y = 3 and decoded with y = 7; the nearest held-out digit's class.
  await page.locator('#lesson-next').click();
  await checkStep(page, 8);
  r = await reveal(page, 8);
  const seven = await second(page, `
    const m = await model('mnist-cvae-2d.safetensors');
    const { mu } = m.encode(img(300), Uint8Array.of(3));
    const x = m.decode(mu, Uint8Array.of(7));
    let best = 0; let bestD = Infinity;
    for (let i = 0; i < 1000; i++) { const d = rmsOf(img(i), x); if (d < bestD) { bestD = d; best = i; } }
    m.free();
    return { label: labels[300], near: labels[best] };`);
  assert.equal(seven.label, 3);
  assert.equal(r.facts.near, seven.near);
  assert.equal(r.answer, seven.near === 7 ? 1 : seven.near === 3 ? 0 : 2);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.label), 7);

  // 9. The reverse case: the lesson's AUROC is the lab's, for fashion-vae-2d against MNIST's digits.
  await page.locator('#lesson-steps button', { hasText: /^9$/ }).click();
  await checkStep(page, 9);
  r = await reveal(page, 9);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.subject.id), 'fashion-vae-2d');
  await page.waitForFunction(() => document.getElementById('lab-auroc').dataset.auroc, null, { timeout: 60_000 });
  const labAuroc = Number(await page.locator('#lab-auroc').getAttribute('data-auroc'));
  assert.ok(Math.abs(r.facts.auc - labAuroc) < 1e-9, `${r.facts.auc} v ${labAuroc}`);
  assert.ok(labAuroc < 0.6);
  assert.equal(r.answer, 1);

  // 10. Blur: grey pixels of the held-out digits and of decode(μ), counted here.
  await page.keyboard.press('ArrowRight');
  await checkStep(page, 10);
  r = await reveal(page, 10);
  const grey = await second(page, `
    const m = await model('mnist-2d.safetensors');
    const rec = m.decode(m.encode(images).mu);
    const count = (x) => { let n = 0; for (const v of x) if (v > 0.1 && v < 0.9) n++; return n; };
    let orig = 0; let recon = 0;
    for (let i = 0; i < 1000; i++) { orig += count(img(i)); recon += count(rec.subarray(i * P, (i + 1) * P)); }
    m.free();
    return { orig: orig / 1000, recon: recon / 1000 };`);
  assert.ok(Math.abs(r.facts.orig - grey.orig) < 1e-9 && Math.abs(r.facts.rec - grey.recon) < 1e-9, JSON.stringify({ page: r.facts, test: grey }));
  assert.ok(grey.recon > 1.2 * grey.orig);
  assert.equal(r.answer, 0);
  // The last step has no "Next"; → stays.
  assert.equal(await page.locator('#lesson-next').isDisabled(), true);

  // A switch of language keeps the step and the revealed answer, in Korean.
  await page.locator('#lang-ko').click();
  await page.waitForFunction(() => document.documentElement.lang === 'ko');
  assert.match(await page.locator('#lesson-verdict').textContent(), /^답: /);
  assert.match(await page.locator('#lesson-answer').textContent(), /회색 픽셀/);
  assert.equal(await page.evaluate(() => document.body.dataset.lessonRevealed), '10');
  // Leaving the lesson shows the whole explore page again.
  await page.locator('#page-explore').click();
  assert.equal(await page.locator('#lesson').isHidden(), true);
  await page.waitForFunction(() => !/lesson=/.test(location.hash));
  assert.ok((await shownPanels(page)).includes('interp-panel'));
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: let ← → move the point in a lesson whatever has the focus (main.js), give
// the reveal button no keyboard path (a div with a click handler), or prevent PgDn's scrolling outside a lesson.
test('the lesson works by keyboard alone, and ← → on a map still move the point', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#lang=en`, { viewport: { width: 1280, height: 900 } });
  assert.equal(await waitReady(page), 'ready');
  const tabTo = async (pred, most = 80) => {
    for (let k = 0; k < most; k++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(pred)) return;
    }
    throw new Error(`Tab never reached ${pred}`);
  };
  await tabTo(() => document.activeElement?.id === 'page-lessons');
  await page.keyboard.press('Enter');
  await stepReady(page, 1);
  await page.keyboard.press('ArrowRight');
  await stepReady(page, 2);
  await page.keyboard.press('PageDown');
  await stepReady(page, 3);
  await page.keyboard.press('PageUp');
  await stepReady(page, 2);
  await tabTo(() => document.activeElement?.name === 'lesson-choice');
  await page.keyboard.press('ArrowDown'); // radios: the arrows choose within the group
  assert.equal(await page.evaluate(() => document.activeElement.value), '1');
  await page.keyboard.press('Space');
  await tabTo(() => document.activeElement?.id === 'lesson-reveal', 5);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.body.dataset.lessonRevealed === '2', null, { timeout: 60_000 });
  assert.match(await page.locator('#lesson-verdict').textContent(), /^Right: Much smaller than 1/);
  // On the map, the arrows move the point and the step stays.
  await tabTo(() => document.activeElement?.id === 'latent');
  const z0 = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  await page.keyboard.press('ArrowRight');
  await nextFrames(page);
  const z1 = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  assert.ok(z1[0] > z0[0] && z1[1] === z0[1], `${z0} -> ${z1}`);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.lesson.step), 2);
  // Leave by keyboard.
  await page.locator('#lesson-close').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#lesson').isHidden(), true);
  assert.equal(await page.locator('#page-explore').getAttribute('aria-pressed'), 'true');
  // Outside a lesson, PgDn keeps its own meaning: it scrolls the page.
  await page.evaluate(() => { window.scrollTo(0, 0); document.activeElement.blur(); });
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => window.scrollY > 100);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: drop the reducedMotion() check in lesson.js's walk().
test('the interpolation step plays the walk by itself, unless the reader prefers reduced motion', async () => {
  for (const [reducedMotion, walks] of [['no-preference', true], ['reduce', false]]) {
    const { page, context, errors } = await openPage(browser, `${server.url}#lang=en&lesson=vae&step=6`, { reducedMotion });
    assert.equal(await waitReady(page), 'ready');
    await stepReady(page, 6);
    await nextFrames(page);
    assert.equal(await page.evaluate(() => window.vaeExplorer.walking), walks, reducedMotion);
    // Leaving the step stops a walk it started.
    await page.keyboard.press('PageDown');
    await stepReady(page, 7);
    assert.equal(await page.evaluate(() => window.vaeExplorer.walking), false);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('a lesson link that names no lesson, or a step past the end, is said in words and the rest still works', async () => {
  const { page, context } = await openPage(browser, `${server.url}#lang=en&lesson=nope&step=2`);
  assert.equal(await waitReady(page), 'ready');
  assert.match(await page.locator('#notice').textContent(), /lesson "nope" that this page does not have/);
  assert.equal(await page.locator('#lesson').isHidden(), true);
  await page.evaluate(() => { location.hash = '#lang=en&lesson=vae&step=99'; });
  await stepReady(page, 10);
  assert.match(await page.locator('#notice').textContent(), /step 99 is beyond the lesson's 10 steps/);
  await page.evaluate(() => { location.hash = '#lang=en&lesson=vae&step=two'; });
  await page.waitForFunction(() => /"step" \(NaN\)|is not a number/.test(document.getElementById('notice').textContent));
  await context.close();
});

// The README's pictures of the lesson, in both languages, at a desk, on a phone and on a projector; each must
// fit its screen's width. Mutation that turns it red: give .lesson-body a fixed two-column grid at every width.
test('the lesson fits a desk, a phone and a projector, in English and Korean (the README\'s screenshots)', async () => {
  const shots = [
    ['lesson.png', 'en', 3, { viewport: { width: 1280, height: 900 } }],
    ['lesson-ko.png', 'ko', 7, { viewport: { width: 1280, height: 900 } }],
    ['lesson-phone-ko.png', 'ko', 5, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
    ['lesson-projector-ko.png', 'ko', 6, { viewport: { width: 1920, height: 1080 } }, 'presenter'],
  ];
  for (const [file, lang, n, options, presenter] of shots) {
    const { page, context, errors } = await openPage(browser, `${server.url}#lang=${lang}&lesson=vae&step=${n}`, { reducedMotion: 'reduce', ...options });
    assert.equal(await waitReady(page), 'ready');
    await stepReady(page, n);
    if (presenter) await page.locator('#presenter-btn').click();
    await reveal(page, n);
    await nextFrames(page);
    await assertFits(page, options.viewport.width, file);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', file) });
    assert.deepEqual(errors, []);
    await context.close();
  }
  const { page, context } = await openPage(browser, `${server.url}#lang=ko`, { viewport: { width: 1280, height: 900 } });
  assert.equal(await waitReady(page), 'ready');
  await nextFrames(page);
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'explorer-ko.png') });
  await context.close();
});
