// The explorer's map, grid, zoom, keyboard, URL state and presenter mode, in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, openReady, nextFrames, canvasGrey, maxDiff, gridPainted, INDEPENDENT } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const SHOTS = join(ROOT, 'tests', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

test('the dots are the encoder means of the 1,000 held-out digits, and hovering one shows it', async () => {
  const { page, context, errors } = await openReady(browser, server);
  const r = await page.evaluate(new Function(`return (async () => { ${INDEPENDENT}
    const mu = vae.encode(images).mu;
    const shown = window.vaeExplorer.dotsMu;
    let worst = 0;
    for (let i = 0; i < mu.length; i++) worst = Math.max(worst, Math.abs(mu[i] - shown[i]));
    return { n: shown.length / 2, worst, classes: document.querySelectorAll('#legend button').length };
  })()`));
  assert.equal(r.n, 1000);
  assert.ok(r.worst < 1e-6, `dots differ from vae.encode by ${r.worst}`);
  assert.equal(r.classes, 10);

  // Hover over dot 517: the inspector shows that digit and decode(mu).
  const box = await page.locator('#latent').boundingBox();
  const target = await page.evaluate(() => {
    const { plane } = window.vaeExplorer;
    const i = 517;
    const [x, y] = plane.toPx([window.vaeExplorer.dotsMu[2 * i], window.vaeExplorer.dotsMu[2 * i + 1]]);
    return { x, y, nearest: plane.dotAt(x, y) };
  });
  await page.mouse.move(box.x + target.x, box.y + target.y);
  await nextFrames(page);
  const idx = Number(await page.locator('#inspect-info').getAttribute('data-index'));
  assert.equal(idx, target.nearest);
  const expected = await page.evaluate(new Function('i', `return (async () => { ${INDEPENDENT}
    return { x: Array.from(bytes.subarray(i * 784, (i + 1) * 784)),
             recon: Array.from(vae.decode(vae.encode(images.subarray(i * 784, (i + 1) * 784)).mu), (p) => Math.round(p * 255)),
             label: labels[i] };
  })()`), idx);
  assert.ok(maxDiff(await canvasGrey(page, 'inspect-orig'), expected.x) <= 1, 'the inspector shows the held-out digit');
  assert.ok(maxDiff(await canvasGrey(page, 'inspect-recon'), expected.recon) <= 1, 'and its reconstruction');
  assert.match(await page.locator('#inspect-info').textContent(), new RegExp(`#${idx}, a ${expected.label}`));
  await page.screenshot({ path: join(SHOTS, 'map.png') });

  // Hiding a class removes its dots from hit-testing.
  const label = expected.label;
  await page.locator('#legend button').nth(label).click();
  const after = await page.evaluate(({ x, y }) => window.vaeExplorer.plane.dotAt(x, y), target);
  assert.notEqual(after, idx);
  assert.equal(await page.locator('#legend button').nth(label).getAttribute('aria-pressed'), 'false');
  assert.deepEqual(errors, []);
  await context.close();
});

test('tapping a dot on a touch screen shows it too', async () => {
  const { page, context, errors } = await openReady(browser, server, '', { hasTouch: true });
  const box = await page.locator('#latent').boundingBox();
  const t = await page.evaluate(() => {
    const [x, y] = window.vaeExplorer.plane.toPx([window.vaeExplorer.dotsMu[2 * 42], window.vaeExplorer.dotsMu[2 * 42 + 1]]);
    return { x, y, nearest: window.vaeExplorer.plane.dotAt(x, y, 12) };
  });
  await page.touchscreen.tap(box.x + t.x, box.y + t.y);
  await nextFrames(page);
  assert.equal(Number(await page.locator('#inspect-info').getAttribute('data-index')), t.nearest);
  assert.deepEqual(errors, []);
  await context.close();
});

/** The standard normal CDF by its Taylor series, erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)), which
 *  converges to double precision for |x| < 3 / sqrt(2) within 60 terms; and its inverse by bisection. An
 *  independent check of the page's rational approximations (Acklam; Abramowitz-Stegun 7.1.26). */
function phi(x) {
  const u = x / Math.SQRT2;
  let term = u;
  let sum = u;
  for (let n = 1; n < 80; n++) {
    term *= (-u * u) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}
function phiInverse(p) {
  let [lo, hi] = [-5, 5];
  for (let i = 0; i < 100; i++) { const mid = (lo + hi) / 2; if (phi(mid) < p) lo = mid; else hi = mid; }
  return (lo + hi) / 2;
}
/** The n values along an axis over [-r, r]: even, or at evenly spaced probabilities from Phi(-r) to Phi(r). */
function axis(n, r, spacing) {
  return Array.from({ length: n }, (_, i) => {
    const t = i / (n - 1);
    return spacing === 'linear' ? -r + 2 * r * t : phiInverse(phi(-r) + (1 - 2 * phi(-r)) * t);
  });
}

// Mutation that turns it red: swap z1 and z2 in gridPoints (manifold.js); the other cells' checks catch a
// first row at -r, linear values for quantile spacing, and a grid decoded point by point.
test('the grid view decodes N x N points in batches of rows, with linear or quantile spacing, and marks the point', async () => {
  const { page, context, errors } = await openReady(browser, server, '#z=1,-0.5&sp=q');
  await page.evaluate(async () => {
    const { Vae } = await import('/pkg/vae_wasm.js');
    const [decode, decodeInto] = [Vae.prototype.decode, Vae.prototype.decodeInto];
    window.__gridDecodes = [];
    Vae.prototype.decode = function (z) { window.__gridDecodes.push(z.length / 2); return decode.call(this, z); };
    Vae.prototype.decodeInto = function (z, y, out) { window.__gridDecodes.push(z.length / 2); return decodeInto.call(this, z, y, out); };
  });
  // The page's thread and the helper worker share the batch in chunks of rows (once the helper holds the
  // model; the first grid is the page's alone), at most 8 of them (app/chunks.js): the page's calls are
  // whole chunks, and data-split says how many rows each thread did.
  const oneBatch = async (action, points, what) => {
    await page.evaluate(() => { window.__gridDecodes = []; });
    await action();
    await gridPainted(page);
    const [mine, split] = await page.evaluate(() => [window.__gridDecodes, document.getElementById('manifold').dataset.split]);
    const [own, helper] = split.split('+').map(Number);
    assert.equal(mine.reduce((a, b) => a + b, 0), own, `${what}: the page's calls are its rows: ${mine}`);
    assert.ok(mine.every((k) => k >= points / 10), `${what}: chunks of many rows, not point by point: ${mine}`);
    assert.equal(own + helper, points, `${what}: ${split}`);
  };
  await oneBatch(() => page.keyboard.press('g'), 20 * 20, '20 x 20');
  assert.equal(await page.locator('#grid-wrap').isVisible(), true);
  assert.equal(await page.locator('#latent').isVisible(), false);
  await oneBatch(() => page.locator('#grid-n').fill('12'), 12 * 12, '12 x 12');
  assert.equal(await page.evaluate(() => document.getElementById('manifold').width), 12 * 28);

  const n = 12;
  const cells = [[0, 5], [7, 1], [11, 3], [4, 10], [2, 9]]; // [row, col]: all but the last off the z1 = z2 diagonal
  for (const spacing of ['linear', 'quantile']) {
    await oneBatch(() => page.locator('#grid-spacing').selectOption(spacing), n * n, spacing);
    const v = axis(n, 3, spacing);
    if (spacing === 'quantile') assert.ok(v[1] - v[0] > 2 * (v[6] - v[5]), 'quantile spacing is denser near 0');
    // Cell (row, col) is decode(z1 = v[col], z2 = v[n - 1 - row]): the first row is at z2 = +3.
    const zs = cells.flatMap(([row, col]) => [[v[col], v[n - 1 - row]], [v[n - 1 - row], v[col]]]);
    const px = await page.evaluate(new Function('zs', `return (async () => { ${INDEPENDENT}
      return zs.map((z) => Array.from(vae.decode(Float32Array.from(z)), (p) => Math.round(p * 255)));
    })()`), zs);
    for (const [k, [row, col]] of cells.entries()) {
      const got = await canvasGrey(page, 'manifold', col * 28, row * 28);
      assert.ok(maxDiff(got, px[2 * k]) <= 1, `${spacing}: cell (${row}, ${col}) is decode(${zs[2 * k].map((x) => x.toFixed(3))})`);
      if (row + col !== n - 1) assert.ok(maxDiff(got, px[2 * k + 1]) > 20, `${spacing}: cell (${row}, ${col}) is not its transpose's digit`);
    }
  }
  // The point (1, -0.5) is marked in the cell nearest to it.
  const v = axis(n, 3, 'quantile');
  const near = (x) => v.reduce((b, y, i) => (Math.abs(y - x) < Math.abs(v[b] - x) ? i : b), 0);
  assert.equal(await page.locator('#manifold').getAttribute('data-cell'), `${n - 1 - near(-0.5)},${near(1)}`);
  await page.screenshot({ path: join(SHOTS, 'grid.png') });

  // The range: ±2 moves the corners to (-2, 2) and (2, -2); a range of 20 is refused in words.
  await oneBatch(async () => { await page.locator('#grid-range').fill('2'); await page.locator('#grid-range').dispatchEvent('change'); }, n * n, 'range 2');
  const corners = await page.evaluate(new Function(`return (async () => { ${INDEPENDENT}
    return [[-2, 2], [2, -2]].map((z) => Array.from(vae.decode(Float32Array.from(z)), (p) => Math.round(p * 255))); })()`));
  assert.ok(maxDiff(await canvasGrey(page, 'manifold', 0, 0), corners[0]) <= 1, 'top-left cell at (-2, 2)');
  assert.ok(maxDiff(await canvasGrey(page, 'manifold', 11 * 28, 11 * 28), corners[1]) <= 1, 'bottom-right cell at (2, -2)');
  await page.locator('#grid-range').fill('20');
  await page.locator('#grid-range').dispatchEvent('change');
  assert.match(await page.locator('#notice').textContent(), /range must be a number from 0\.5 to 10/);
  assert.equal(await page.locator('#grid-range').inputValue(), '2');
  assert.deepEqual(errors, []);
  await context.close();
});

/** The 20 x 20 grid's probabilities as the page drew them, once the helper worker holds the model and took
 *  its share, and the same points decoded in one call by the page's own module, with the points computed
 *  here. The grid is first drawn over [-2, 2] and [-2.5, 2.5], so that the arrays it is written into last held
 *  other grids: the page's own (given back, SplitDecoder.recycle) and the helper's (sent back to it). `reused`
 *  says whether the drawn array is the [-2, 2] grid's. */
async function gridAgainstOneCall(page) {
  await page.waitForFunction(() => window.vaeExplorer.app.grid.split.ready !== null || window.vaeExplorer.app.grid.split.failed, null, { timeout: 20_000 });
  for (const r of ['2', '2.5', '3']) {
    await page.locator('#grid-range').fill(r);
    await page.locator('#grid-range').dispatchEvent('change');
    await gridPainted(page);
    if (r === '2') await page.evaluate(() => { window.__first = window.vaeExplorer.app.grid.drawn().probs; });
  }
  return page.evaluate(async () => {
    const g = window.vaeExplorer.app.grid;
    const z = new Float32Array(800);
    for (let k = 0; k < 400; k++) { z[2 * k] = -3 + (6 * (k % 20)) / 19; z[2 * k + 1] = 3 - (6 * Math.floor(k / 20)) / 19; }
    const whole = g.drawn().subject.model.decode(z);
    const drawn = g.drawn().probs;
    let differ = drawn.length === whole.length ? 0 : -1;
    for (let i = 0; i < whole.length; i++) if (!Object.is(drawn[i], whole[i])) differ++;
    return { differ, reused: drawn === window.__first, split: document.getElementById('manifold').dataset.split, failed: g.split.failed };
  });
}

// Mutations that turn it red: the helper sent the batch's first rows instead of the rest (split-decode.js),
// or the helper's rows joined before the page's; the helper's rows written into its returned buffer from its
// second row on, or the page's into the given-back array from its second row on (decode-worker.js,
// split-decode.js: what the buffers last held shows); the grid panel not giving its arrays back; the page
// reading the helper's rows from shared memory without waiting for its flag (split-decode.js, watch).
test("the grid is shared by the page's thread and a helper worker, and joined it is one call's decode, to the bit", async () => {
  const { page, context, errors } = await openReady(browser, server, '#v=grid');
  const got = await gridAgainstOneCall(page);
  assert.equal(got.failed, null, 'the helper is used');
  const [own, helper] = got.split.split('+').map(Number);
  assert.ok(own > 0 && helper > 0 && own + helper === 400, `rows on both threads: ${got.split}`);
  assert.equal(got.differ, 0, 'every probability the same as in one call');
  assert.ok(got.reused, 'the grid was written into an array given back');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a helper worker that fails or stops answering is given up, and the page draws the whole grid itself', async () => {
  const helpers = {
    fails: "self.onmessage = (e) => self.postMessage({ type: 'error', job: e.data.job, key: e.data.key, message: 'broken on purpose' });",
    // Says it holds the model (with the page's build), then never answers: the page waits 3 s.
    stalls: "self.onmessage = (e) => { if (e.data.bytes) self.postMessage({ type: 'ready', key: e.data.key, build: new URL(self.location.href).searchParams.get('wasm') }); };",
  };
  for (const [how, body] of Object.entries(helpers)) {
    const { page, context, errors } = await openPage(browser, null);
    await context.route(/\/js\/decode-worker\.js(\?[^/]*)?$/, (route) => route.fulfill({
      body, contentType: 'text/javascript',
      headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
    }));
    const warnings = [];
    page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
    await page.goto(`${server.url}#v=grid`);
    assert.equal(await waitReady(page), 'ready');
    const got = await gridAgainstOneCall(page);
    // The page does not wait for a stalled helper's answer (it takes every chunk itself), and gives it up
    // once its 3 s are out.
    await page.waitForFunction(() => window.vaeExplorer.app.grid.split.failed, null, { timeout: 10_000 });
    assert.equal(got.split, '400+0', `${how}: the page decoded every row`);
    assert.equal(got.differ, 0, `${how}: the grid is right`);
    assert.ok(got.reused, `${how}: the grid was written into an array given back`);
    assert.ok(warnings.some((w) => /helper worker is not used/.test(w)), `${how}: said in the console`);
    assert.deepEqual(errors, [], how);
    await context.close();
  }
});

// Mutation that turns it red: the page's share fixed at half, waiting for the helper's (split-decode.js, the
// halves without shared memory). The page claiming only half of the chunks does not: it decodes the late
// helper's chunks itself once they take longer than it would. The next test catches claim() ignoring the job
// a counter is for (chunks.js).
test('a helper that starts late leaves its chunks to the page, and the grid is still one call\'s decode', async () => {
  const { page, context, errors } = await openPage(browser, null);
  // The real helper, each job's start held back by 50 ms: about five times what the page takes for all 400 rows.
  // A job it takes up from the shared counter while it waits after the last one is held back the same way.
  const late = `import '/js/decode-worker.js?late'; // reads the build from this script's ?wasm=
    const hold = () => { const t = performance.now(); while (performance.now() - t < 50); };
    const real = self.onmessage;
    self.onmessage = (e) => { if (e.data.job) hold(); return real(e); };
    const wait = Atomics.wait;
    Atomics.wait = (...a) => { const r = wait(...a); if (r !== 'timed-out') hold(); return r; };`;
  await context.route(/\/js\/decode-worker\.js\?wasm=[^/&]*$/, (route) => route.fulfill({
    body: late, contentType: 'text/javascript',
    headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
  }));
  await page.goto(`${server.url}#v=grid`);
  assert.equal(await waitReady(page), 'ready');
  const got = await gridAgainstOneCall(page);
  assert.equal(got.failed, null, 'the helper is used');
  const [own, helper] = got.split.split('+').map(Number);
  assert.ok(own >= 300 && own + helper === 400, `the page took three quarters or more: ${got.split}`);
  assert.equal(got.differ, 0, 'every probability the same as in one call');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: the helper not waiting on the shared counter after a job (decode-worker.js,
// WAIT_MS = 0), or not reading the job's labels from the shared buffer (a CVAE's rows then differ).
test('a helper waiting after its job takes up the next from the shared counter, without its message', async () => {
  const { page, context, errors } = await openPage(browser, null);
  // The real helper, but the message of every even job is answered unread: the helper can only hear of those
  // jobs from the counter, while it waits there after an odd one.
  const deaf = `import '/js/decode-worker.js?deaf'; // reads the build from this script's ?wasm=
    const real = self.onmessage;
    self.onmessage = (e) => (e.data.job % 2 === 0 ? self.postMessage({ type: 'decoded', job: e.data.job }) : real(e));`;
  await context.route(/\/js\/decode-worker\.js\?wasm=[^/&]*$/, (route) => route.fulfill({
    body: deaf, contentType: 'text/javascript',
    headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
  }));
  await page.goto(`${server.url}#v=grid`);
  assert.equal(await waitReady(page), 'ready');
  // Back to back, as a grid redrawn while a control moves: 100 points, each call a few ms.
  const calls = (y) => page.evaluate(async (y) => {
    const split = window.vaeExplorer.app.grid.split;
    const s = window.vaeExplorer.state.subject;
    const g = new Float32Array(200);
    for (let k = 0; k < 100; k++) { g[2 * k] = -2 + (4 * (k % 10)) / 9; g[2 * k + 1] = 2 - (4 * Math.floor(k / 10)) / 9; }
    for (let t = 0; split.ready !== split.keyOf(s) && !split.failed && t < 500; t++) {
      await split.decode(s, g, y); // the first batch of a model sends the helper its weights
      await new Promise((r) => setTimeout(r, 20));
    }
    const whole = s.decode(g, y);
    const got = [];
    for (let i = 0; i < 12; i++) {
      const probs = await split.decode(s, g, y);
      got.push({ job: split.job, helper: split.last.helper, differ: whole.filter((v, k) => !Object.is(v, probs[k])).length });
    }
    return { got, failed: split.failed };
  }, y);
  const vae = await calls(0);
  assert.equal(vae.failed, null, 'the helper is used');
  assert.ok(vae.got.some((c) => c.job % 2 === 0 && c.helper > 0), `an even job's rows in part the helper's: ${JSON.stringify(vae.got)}`);
  assert.ok(vae.got.every((c) => c.differ === 0), 'every probability the same as in one call');
  await page.locator('#model-select').selectOption('cvae-2d');
  await page.waitForFunction(() => window.vaeExplorer.state.subject?.id === 'cvae-2d');
  const cvae = await calls(7);
  assert.equal(cvae.failed, null, 'the helper is used for the CVAE');
  assert.ok(cvae.got.some((c) => c.helper > 0), `the CVAE's rows in part the helper's: ${JSON.stringify(cvae.got)}`);
  assert.ok(cvae.got.every((c) => c.differ === 0), "the CVAE's sevens the same as in one call");
  assert.deepEqual(errors, []);
  await context.close();
});

test('chunks of a batch: whole tiles of rows, claimed once each, and by no other job', async () => {
  const { page, context } = await openReady(browser, server);
  const got = await page.evaluate(async () => {
    const { chunksOf, claim, counterFor, jobOf } = await import('/js/app/chunks.js');
    const head = new Int32Array(new SharedArrayBuffer(64));
    Atomics.store(head, 0, counterFor(7));
    const stale = claim(head, 6, 8);
    const claims = Array.from({ length: 5 }, () => claim(head, 7, 3));
    return { c400: chunksOf(400), c144: chunksOf(144), c64: chunksOf(64), c10: chunksOf(10), stale, claims, later: claim(head, 8, 3), job: jobOf(Atomics.load(head, 0)) };
  });
  // n / 4 tiles in 8 chunks, the first ones a tile larger: 400 rows are 100 tiles, 4 chunks of 13 and 4 of 12;
  // 144 are 36, 4 of 5 and 4 of 4; 64 are 16, 2 each; 10 are 3 (the last tile two rows), one each.
  assert.deepEqual(got.c400, [0, 52, 104, 156, 208, 256, 304, 352, 400]);
  assert.deepEqual(got.c144, [0, 20, 40, 60, 80, 96, 112, 128, 144]);
  assert.deepEqual(got.c64, [0, 8, 16, 24, 32, 40, 48, 56, 64]);
  assert.deepEqual(got.c10, [0, 4, 8, 10]);
  assert.equal(got.stale, -1, "an earlier job's helper claims nothing");
  assert.deepEqual(got.claims, [0, 1, 2, -1, -1]);
  assert.equal(got.later, -1, "a later job claims nothing from an earlier job's counter");
  assert.equal(got.job, 7, 'the counter still names its job once its chunks are claimed');
  await context.close();
});

// Mutation that turns it red: zoom by 1 / 2 instead of 1 / 1.5 for the `+` key in main.js.
test('the map zooms about the cursor and pans', async () => {
  const { page, context, errors } = await openReady(browser, server);
  const box = await page.locator('#latent').boundingBox();
  // Whole page pixels: the browser reports wheel positions in whole pixels.
  const at = { x: Math.round(box.x + box.width * 0.7) - box.x, y: Math.round(box.y + box.height * 0.3) - box.y };
  const before = await page.evaluate(({ x, y }) => ({ z: window.vaeExplorer.plane.toZ(x, y), half: window.vaeExplorer.plane.view.half }), at);
  await page.mouse.move(box.x + at.x, box.y + at.y);
  await page.mouse.wheel(0, -300);
  await nextFrames(page);
  const after = await page.evaluate(({ x, y }) => ({ z: window.vaeExplorer.plane.toZ(x, y), half: window.vaeExplorer.plane.view.half }), at);
  assert.ok(after.half < before.half * 0.6, `zoomed in: half ${before.half} -> ${after.half}`);
  assert.ok(Math.hypot(after.z[0] - before.z[0], after.z[1] - before.z[1]) < 1e-9, `the z under the cursor stays put: ${JSON.stringify([before, after])}`);
  // Shift-drag pans by the dragged distance in z units.
  const v0 = await page.evaluate(() => ({ ...window.vaeExplorer.plane.view }));
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(box.x + 300, box.y + 200, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const v1 = await page.evaluate(() => ({ ...window.vaeExplorer.plane.view, perPx: window.vaeExplorer.plane.pixelsPerZ() }));
  assert.ok(Math.abs((v0.cx - v1.cx) - 100 / v1.perPx) < 1e-6, 'panned left by 100 px in z');
  assert.ok(Math.abs(v1.cy - v0.cy) < 1e-9, 'a horizontal drag pans horizontally');
  // A middle-button drag pans too: 60 px down moves the view up by 60 px in z.
  await page.mouse.move(box.x + 250, box.y + 200);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(box.x + 250, box.y + 260, { steps: 4 });
  await page.mouse.up({ button: 'middle' });
  const v2 = await page.evaluate(() => ({ ...window.vaeExplorer.plane.view }));
  assert.ok(Math.abs((v2.cy - v1.cy) - 60 / v1.perPx) < 1e-6 && Math.abs(v2.cx - v1.cx) < 1e-9, `middle-drag panned: ${JSON.stringify([v1, v2])}`);
  // Keys + and - and the buttons zoom by 1.5 about the centre; 0 and "Reset view" go back to [-4, 4].
  const view = () => page.evaluate(() => ({ ...window.vaeExplorer.plane.view }));
  await page.locator('#latent').focus();
  for (const [press, factor] of [[() => page.keyboard.press('+'), 1 / 1.5], [() => page.keyboard.press('-'), 1.5],
    [() => page.locator('#zoom-in').click(), 1 / 1.5], [() => page.locator('#zoom-out').click(), 1.5]]) {
    const a = await view();
    await press();
    const b = await view();
    assert.ok(Math.abs(b.half - a.half * factor) < 1e-9 && Math.abs(b.cx - a.cx) < 1e-9 && Math.abs(b.cy - a.cy) < 1e-9, `zoom by ${factor}: ${JSON.stringify([a, b])}`);
  }
  await page.keyboard.press('0');
  assert.deepEqual(await view(), { cx: 0, cy: 0, half: 4 });
  await page.keyboard.press('+');
  await page.locator('#zoom-reset').click();
  assert.deepEqual(await view(), { cx: 0, cy: 0, half: 4 });
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: zoom by now.dist / g.dist (the wrong way round) in plane.js's pinch.
test('two fingers pinch to zoom about their midpoint', async () => {
  const { page, context, errors } = await openReady(browser, server, '', { hasTouch: true });
  const box = await page.locator('#latent').boundingBox();
  const cdp = await context.newCDPSession(page);
  const mid = { x: Math.round(box.x + box.width * 0.6), y: Math.round(box.y + box.height * 0.4) };
  const local = { x: mid.x - box.x, y: mid.y - box.y };
  const before = await page.evaluate(({ x, y }) => ({ z: window.vaeExplorer.plane.toZ(x, y), half: window.vaeExplorer.plane.view.half }), local);
  const fingers = (d) => [{ x: mid.x - d, y: mid.y, id: 1 }, { x: mid.x + d, y: mid.y, id: 2 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(40) });
  for (const d of [50, 60, 70, 80]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await nextFrames(page);
  const after = await page.evaluate(({ x, y }) => ({ z: window.vaeExplorer.plane.toZ(x, y), half: window.vaeExplorer.plane.view.half }), local);
  assert.ok(Math.abs(after.half - before.half / 2) < 1e-6, `fingers twice as far apart halve the view: ${before.half} -> ${after.half}`);
  assert.ok(Math.hypot(after.z[0] - before.z[0], after.z[1] - before.z[1]) < 1e-6, 'the z between the fingers stays put');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the keyboard moves the point and drives the views, and the ? overlay lists the keys', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await page.locator('#latent').focus();
  const z = () => page.evaluate(() => [Number(document.getElementById('z-readout').dataset.z1), Number(document.getElementById('z-readout').dataset.z2)]);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await nextFrames(page);
  let now = await z();
  assert.ok(Math.abs(now[0] - 0.1) < 1e-9 && now[1] === 0, `two right steps: ${now}`);
  await page.keyboard.press('Shift+ArrowUp');
  await nextFrames(page);
  now = await z();
  assert.ok(Math.abs(now[1] - 0.5) < 1e-9, `Shift+Up is a big step: ${now}`);
  await page.keyboard.press('?');
  assert.equal(await page.locator('#help').isVisible(), true);
  assert.ok((await page.locator('#help-list > div').count()) >= 9);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#help').isVisible(), false);
  await page.keyboard.press('p');
  assert.equal(await page.evaluate(() => document.body.classList.contains('presenter')), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.body.classList.contains('presenter')), false);
  // The numeric inputs set z too; nonsense is refused in words.
  await page.locator('#z1').fill('1.5');
  await page.locator('#z1').press('Enter');
  await page.locator('#z1').blur();
  await nextFrames(page);
  assert.equal((await z())[0], 1.5);
  await page.locator('#z2').fill('1e9');
  await page.locator('#z2').blur();
  await nextFrames(page);
  assert.match(await page.locator('#notice').textContent(), /z₂ must be a number from −50 to 50/);
  assert.equal((await z())[1], 0.5);
  assert.deepEqual(errors, []);
  await context.close();
});

test('presenter mode enlarges the digit on a dark screen and toggles back', async () => {
  const { page, context, errors } = await openReady(browser, server);
  const small = (await page.locator('#digit').boundingBox()).width;
  await page.locator('#presenter-btn').click();
  await nextFrames(page);
  const big = (await page.locator('#digit').boundingBox()).width;
  assert.ok(big > small * 1.3, `digit ${small} -> ${big} px`);
  assert.equal(await page.locator('.pad-panel').isVisible(), false);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(0, 0, 0)');
  await page.screenshot({ path: join(SHOTS, 'presenter.png') });
  await page.locator('#presenter-btn').click();
  assert.equal(await page.evaluate(() => document.body.classList.contains('presenter')), false);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: drop the `mv=` field from formatHash (urlstate.js): the map opens unzoomed.
test('the URL hash round-trips the view, and a bad hash is reported and ignored', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await page.locator('#z1').fill('0.75');
  await page.locator('#z1').blur();
  await page.keyboard.press('a');
  await page.locator('#z1').fill('-1.25');
  await page.locator('#z1').blur();
  await nextFrames(page);
  await page.keyboard.press('b');
  await page.locator('#interp-k').fill('5');
  await page.locator('#interp-mode').selectOption('spherical');
  // Zoom in and pan the map: the view travels in the link too.
  await page.locator('#latent').focus();
  await page.keyboard.press('+');
  const box = await page.locator('#latent').boundingBox();
  await page.mouse.move(box.x + 300, box.y + 300);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(box.x + 350, box.y + 280, { steps: 3 });
  await page.mouse.up({ button: 'middle' });
  const mapView = await page.evaluate(() => ({ ...window.vaeExplorer.plane.view }));
  await page.locator('#view-grid').click();
  await page.locator('#grid-spacing').selectOption('quantile');
  await page.waitForTimeout(300);
  const url = page.url();
  assert.match(url, /#page=explore&lang=en&model=vae-2d&z=-1\.25,0&v=grid&n=20&r=3&sp=q&k=5&i=sph&mv=/);
  const pixels = await canvasGrey(page, 'digit');
  const grid = await canvasGrey(page, 'manifold', 0, 0, 560, 28);

  const second = await openReady(browser, { url }, '');
  const s = await second.page.evaluate(() => JSON.parse(JSON.stringify(window.vaeExplorer.state)));
  assert.deepEqual(s.z, [-1.25, 0]);
  assert.deepEqual(s.a, [0.75, 0]);
  assert.deepEqual(s.b, [-1.25, 0]);
  assert.equal(s.k, 5);
  assert.equal(s.spherical, true);
  assert.equal(s.view, 'grid');
  assert.equal(s.grid.spacing, 'quantile');
  const round = (v) => Math.round(v * 1e4) / 1e4; // the link keeps four decimals
  assert.deepEqual(s.mapView, { cx: round(mapView.cx), cy: round(mapView.cy), half: round(mapView.half) });
  assert.deepEqual(await second.page.evaluate(() => ({ ...window.vaeExplorer.plane.view })), s.mapView, 'the map opens zoomed and panned');
  assert.ok(mapView.half < 3 && mapView.cx < -0.1 && mapView.cy < -0.05, `the view was zoomed and panned: ${JSON.stringify(mapView)}`);
  assert.deepEqual(await canvasGrey(second.page, 'digit'), pixels, 'the same digit');
  assert.deepEqual(await canvasGrey(second.page, 'manifold', 0, 0, 560, 28), grid, 'the same grid');
  await second.context.close();

  // Bad fields are dropped one by one and the rest applies; a link over 2,048 characters is ignored whole
  // (even its valid fields), as the README says.
  for (const [hash, notice, view] of [
    ['#z=NaN,1&n=abc&v=nope&k=99&sp=q', /"z" \(NaN,1\) is not a list of up to 64 numbers.*view "nope".*"n" \(abc\) is not a number.*"k" \(99\) is outside 2 to 20/, 'map'],
    ['#z=1e9,0&v=grid', /"z" \(1000000000\) is outside 0 to 50/, 'grid'],
    [`#v=grid&z=${'9'.repeat(100_000)}`, /100010 characters long \(the most is 2048\), so they were ignored/, 'map'],
    ['#%%%garbage&&==', null, 'map'],
  ]) {
    const bad = await openReady(browser, server, hash);
    const st = await bad.page.evaluate(() => ({ z: window.vaeExplorer.state.z, view: window.vaeExplorer.state.view, spacing: window.vaeExplorer.state.grid.spacing }));
    assert.ok(st.z.every(Number.isFinite), `z stays finite for ${hash.slice(0, 30)}`);
    assert.equal(st.view, view, hash.slice(0, 30));
    if (hash.startsWith('#z=NaN')) assert.equal(st.spacing, 'quantile', 'the valid field of a link with bad ones applies');
    if (notice) assert.match(await bad.page.locator('#notice').textContent(), notice);
    else assert.equal(await bad.page.locator('#notice').isHidden(), true);
    assert.deepEqual(bad.errors, []);
    await bad.context.close();
  }
  assert.deepEqual(errors, []);
  await context.close();
});
