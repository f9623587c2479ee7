// The two builds of the wasm core (scripts/lib.sh): relaxed SIMD where the browser has it, SIMD128 elsewhere,
// chosen by feature detection in web/js/wasm-build.js; both compute the same numbers within a stated tolerance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, openPage, waitReady, nextFrames, canvasGrey,
  readF32Safetensors, largestChange } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

/**
 * Opens the page (at `query`, after `init(context)`), checks the build it runs and the footer's words, that the
 * digit of z = (0, 0) is drawn, and that the page and its training worker fetched exactly `files`.
 */
async function checkBuild({ query = '', init = async () => {}, build, footer, files }) {
  const browser = await launch();
  try {
    const { page, context, errors } = await openPage(browser, null);
    await init(context);
    const seen = [];
    context.on('request', (r) => { if (r.url().endsWith('.wasm')) seen.push(new URL(r.url()).pathname); });
    await page.goto(`${server.url}${query}`);
    assert.equal(await waitReady(page), 'ready');
    assert.equal(await page.evaluate(() => document.body.dataset.wasm), build);
    assert.match(await page.locator('#wasm-build').textContent(), footer);
    await nextFrames(page);
    const grey = await canvasGrey(page, 'digit');
    assert.ok(grey.filter((g) => g > 128).length > 50, 'a digit is drawn');
    // Training starts its worker, which loads the training module of the same build.
    await page.evaluate(() => { location.hash = 'page=train'; });
    await page.locator('#train-play').click();
    await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 1, null, { timeout: 60_000 });
    await page.locator('#train-play').click();
    assert.deepEqual([...new Set(seen)].sort(), files);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

const SIMD128_FILES = ['/pkg/vae_train_bg.wasm', '/pkg/vae_wasm_bg.wasm'];

test('Chromium runs the relaxed-SIMD build, in the page and in the training worker, and says so', () => checkBuild({
  build: 'relaxed', footer: /relaxed SIMD/, files: ['/pkg/vae_train_relaxed_bg.wasm', '/pkg/vae_wasm_relaxed_bg.wasm'],
}));

test('?wasm=simd128 chooses the SIMD128 build for the page and its workers', () => checkBuild({
  query: '?wasm=simd128', build: 'simd128', footer: /SIMD128 \(chosen in the address\)/, files: SIMD128_FILES,
}));

// The detection itself. Every V8 here has relaxed SIMD (Chromium 156 has no switch left to turn it off), so a
// browser without it is emulated: WebAssembly.validate, in the page, refuses any module holding an
// f32x4.relaxed_madd (0xfd 0x85 0x02), as such a browser does. The page must run the SIMD128 build, and its
// training worker too (which follows the page's choice). Mutation that turns this red: a probe that validates
// without using relaxed_madd, or a worker that detects for itself.
test('a browser without relaxed SIMD gets the SIMD128 build, in its workers too, and the footer says why', () => checkBuild({
  init: (context) => context.addInitScript(() => {
    const real = WebAssembly.validate;
    const relaxed = (b) => { const u = new Uint8Array(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength); return u.some((x, i) => x === 0xfd && u[i + 1] === 0x85 && u[i + 2] === 0x02); };
    WebAssembly.validate = (b) => !relaxed(b) && real(b);
  }),
  build: 'simd128', footer: /has no relaxed SIMD/, files: SIMD128_FILES,
}));

test('a relaxed-SIMD file that does not load falls back to the SIMD128 build', async () => {
  const browser = await launch();
  try {
    const { page, context } = await openPage(browser, null);
    await context.route('**/pkg/vae_wasm_relaxed_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(server.url);
    assert.equal(await waitReady(page), 'ready');
    assert.equal(await page.evaluate(() => document.body.dataset.wasm), 'simd128');
    assert.match(await page.locator('#wasm-build').textContent(), /did not load/);
  } finally {
    await browser.close();
  }
});

// Both builds in one page, each its own instance of the shared glue: the pretrained decoder's 20 x 20 grid and
// encoder, and 30 training steps from the same seed on the real training digits. relaxed_madd may fuse the
// multiply and the add (one rounding instead of two), so the builds agree to float rounding, not bit for bit.
// Tolerances: probabilities within 1e-5 (a sum of k = 512 products moves by about sqrt(k) * 2^-24 relative,
// ~1e-6, before the sigmoid); μ within 1e-4; after 30 Adam steps, the loss within 1e-5 relative and every
// weight within 1e-5 (measured here: 5.4e-7, 1.2e-6, equal losses to 8 digits, 6.2e-7).
// Mutation that turns this red: relaxed_madd(a, b, c) written as a * b - c in lanes.rs, or the relaxed build
// given a different seed or model.
test('the relaxed-SIMD and SIMD128 builds compute the same numbers within float rounding', async () => {
  const browser = await launch();
  try {
    const { page } = await openPage(browser, server.url);
    const r = await page.evaluate(async () => {
      const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
      const [weights, img, lab, held] = await Promise.all([bytes('/models/mnist-2d.safetensors'),
        bytes('/data/train-images.idx3-ubyte'), bytes('/data/train-labels.idx1-ubyte'), bytes('/data/heldout-images.idx3-ubyte')]);
      const out = {};
      for (const build of ['simd128', 'relaxed']) {
        const suffix = build === 'relaxed' ? '_relaxed' : '';
        const glue = await import(`/pkg/vae_train.js?build=${build}`);
        await glue.default({ module_or_path: await bytes(`/pkg/vae_train${suffix}_bg.wasm`) });
        const model = new glue.Model(weights);
        const z = new Float32Array(800);
        for (let i = 0; i < 400; i++) { z[2 * i] = -3 + (i % 20) * 0.3; z[2 * i + 1] = 3 - Math.floor(i / 20) * 0.3; }
        const x = Float32Array.from(held.subarray(16, 16 + 100 * 784), (b) => b / 255);
        const t = new glue.Trainer({ family: 'vae', classes: 0, hidden: [512], latent: 2, batch: 100, seed: 7 });
        t.setData(img.subarray(16), lab.subarray(8));
        const last = t.trainSteps(30);
        out[build] = { grid: Array.from(model.decode(z)), mu: Array.from(model.encode(x).mu), loss: last, weights: Array.from(t.toSafetensors()) };
      }
      return out;
    });
    const { simd128: a, relaxed: b } = r;
    const maxAbs = (u, v) => u.reduce((m, x, i) => Math.max(m, Math.abs(x - v[i])), 0);
    assert.equal(a.grid.length, 400 * 784);
    const dGrid = maxAbs(a.grid, b.grid);
    const dMu = maxAbs(a.mu, b.mu);
    const [wa, wb] = [a, b].map((x) => readF32Safetensors(Buffer.from(x.weights)));
    const dW = largestChange(wa, wb);
    const dLoss = Math.abs(a.loss.loss - b.loss.loss) / a.loss.loss;
    console.log(`relaxed vs SIMD128: grid ${dGrid.toExponential(2)}, mu ${dMu.toExponential(2)}, loss ${a.loss.loss} vs ${b.loss.loss}, weights ${dW.toExponential(2)}`);
    assert.ok(dGrid <= 1e-5, `grid probabilities differ by ${dGrid}`);
    assert.ok(dMu <= 1e-4, `mu differs by ${dMu}`);
    assert.ok(dLoss <= 1e-5, `the loss after 30 steps differs by ${dLoss} relative`);
    assert.ok(dW <= 1e-5, `a weight after 30 steps differs by ${dW}`);
  } finally {
    await browser.close();
  }
});
