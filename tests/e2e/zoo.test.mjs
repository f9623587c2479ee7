// The zoo and the views that compare models: the header's switcher and links, N-D latents (sliders, the
// chosen pair, KL bars, traversals), the twin view, prior samples, the corruption bench, a CVAE's classes and
// style analogies, and an autoencoder on the pad. Every picture is checked against an independent `Model`
// built in the page from the same file, and every expected number is computed here or by that model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, openPage, waitReady, nextFrames, gridPainted, canvasGrey, maxDiff, drawOnPad } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const SHOTS = join(ROOT, 'tests', 'screenshots');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'web', 'models', 'manifest.json'), 'utf8'));
const fileOf = (id) => MANIFEST.models.find((m) => m.id === id).file;
const waitFor = (page, fn, arg, timeout = 30_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

/** In the page: `independent(file)` builds a second Model from the file; the held-out set parsed again. */
const SETUP = `
  const { default: init, Model } = await import('/pkg/vae_wasm.js');
  await init();
  const independent = async (file) => new Model(new Uint8Array(await (await fetch('/models/' + file)).arrayBuffer()));
  const heldoutOf = async (folder) => ({
    images: Float32Array.from(new Uint8Array(await (await fetch('/data/' + folder + 'heldout-images.idx3-ubyte')).arrayBuffer()).subarray(16), (b) => b / 255),
    labels: new Uint8Array(await (await fetch('/data/' + folder + 'heldout-labels.idx1-ubyte')).arrayBuffer()).subarray(8),
  });
  const { images, labels } = await heldoutOf('');
  const grey = (probs) => Array.from(probs, (p) => Math.round(p * 255));
`;
const inPage = (page, body, arg) => page.evaluate(new Function('arg', `return (async () => { ${SETUP} ${body} })()`), arg);

/** Presses the export button `selector` and reads the PNG it downloads: { png (bytes), name, width }. */
async function downloadPng(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const png = readFileSync(await download.path());
  return { png, name: download.suggestedFilename(), width: png.readUInt32BE(16) };
}

/** The displayed point and label, and the independent decode of them by `file`. */
function decodeShown(page, file) {
  return inPage(page, `
    const m = await independent(arg);
    const s = window.vaeExplorer.state;
    const y = m.config.family === 'cvae' ? Uint8Array.of(s.label) : undefined;
    return { z: s.z.slice(), want: grey(m.decode(Float32Array.from(s.z), y)) };`, file);
}

test('the zoo: each model loads when first chosen in the header, decodes what it shows, and a link opens it', async () => {
  const { page, context, errors } = await openPage(browser, null);
  const fetched = []; // the page's own downloads (GET; the page checks each file with HEAD; the test's own
  // independent models are fetched while recording is off)
  let recording = true;
  page.on('request', (r) => { const m = r.url().match(/\/models\/(.+\.safetensors)$/); if (m && recording && r.method() === 'GET') fetched.push(m[1]); });
  await page.goto(server.url);
  assert.equal(await waitReady(page), 'ready');
  assert.deepEqual(fetched, ['mnist-2d.safetensors'], 'only the default model is downloaded at first');
  for (const entry of MANIFEST.models) {
    await page.locator('#model-select').selectOption(entry.id);
    await waitFor(page, (id) => window.vaeExplorer.state.subject?.id === id, entry.id);
    await nextFrames(page);
    recording = false;
    const { z, want } = await decodeShown(page, entry.file);
    recording = true;
    assert.equal(z.length, entry.latent, `${entry.id}: z has the model's size`);
    assert.equal(await page.locator('#z-sliders input[type=range]').count(), entry.latent, `${entry.id}: a slider per dimension`);
    assert.ok(maxDiff(await canvasGrey(page, 'digit'), want) <= 1, `${entry.id}: the digit is decode(z)`);
    await page.waitForFunction((id) => location.hash.includes(`model=${id}&`), entry.id);
  }
  assert.deepEqual(fetched.sort(), MANIFEST.models.map((m) => m.file).sort(), 'each file once');

  // A link with an 8-D z and a chosen pair opens that model there.
  const z8 = [0.5, -1, 0.25, 0, 0, 0, 0, 2];
  const linked = await openReady(browser, server, `#model=vae-8d&z=${z8}&dims=2,8`);
  const st = await linked.page.evaluate(() => ({ id: window.vaeExplorer.state.subject.id, z: window.vaeExplorer.state.z, pair: window.vaeExplorer.state.pair }));
  assert.deepEqual(st, { id: 'vae-8d', z: z8, pair: [1, 7] });
  const shown = await decodeShown(linked.page, fileOf('vae-8d'));
  assert.ok(maxDiff(await canvasGrey(linked.page, 'digit'), shown.want) <= 1);
  // The page rewrites the link in its own full form (150 ms after the last change).
  await linked.page.waitForFunction(() => /model=vae-8d&z=0\.5,-1,0\.25,0,0,0,0,2&dims=2,8&/.test(location.hash));
  assert.deepEqual(linked.errors, []);
  await linked.context.close();

  // Bad links: a notice each, and the rest of the link applies.
  for (const [hash, notice, id, k] of [
    ['#model=nope&k=5', /model "nope" that is not in the zoo, so the default model is shown/, 'vae-2d', 5],
    ['#model=vae-8d&z=1,2&k=6', /"z" has 2 numbers, but vae-8d has 8 latent dimensions, so it was ignored/, 'vae-8d', 6],
    ['#model=vae-8d&z=1,NaN,0,0,0,0,0,0&k=7', /"z" \(1,NaN,0,0,0,0,0,0\) is not a list of up to 64 numbers/, 'vae-8d', 7],
    ['#model=vae-8d&z=1,Infinity,0,0,0,0,0,0&k=4', /"z" \(1,Infinity,0,0,0,0,0,0\) is not a list/, 'vae-8d', 4],
  ]) {
    const bad = await openReady(browser, server, hash);
    const s = await bad.page.evaluate(() => ({ id: window.vaeExplorer.state.subject.id, k: window.vaeExplorer.state.k, z: window.vaeExplorer.state.z }));
    assert.match(await bad.page.locator('#notice').textContent(), notice, hash);
    assert.equal(s.id, id, hash);
    assert.equal(s.k, k, `${hash}: the rest of the link applies`);
    assert.ok(s.z.every(Number.isFinite) && s.z.length === (id === 'vae-8d' ? 8 : 2), hash);
    assert.deepEqual(bad.errors, []);
    await bad.context.close();
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: a zoo entry whose file 404s is offered as available (drop `entry.error = ...` in zoo.js).
test('a zoo entry whose file is missing or broken is marked unavailable with the reason; the others still work', async () => {
  const { page, context, errors } = await openPage(browser, null);
  const manifest = structuredClone(MANIFEST);
  manifest.models.push(
    { ...MANIFEST.models[0], id: 'ghost', file: 'no-such-model.safetensors' },
    { ...MANIFEST.models[0], id: 'garbled', file: 'garbled.safetensors' },
    { ...MANIFEST.models[0], id: 'liar', file: fileOf('ae-2d') }, // says a VAE, holds an autoencoder
  );
  await context.route('**/models/manifest.json', (r) => r.fulfill({ body: JSON.stringify(manifest), contentType: 'application/json' }));
  await context.route('**/models/garbled.safetensors', (r) => r.fulfill({ body: Buffer.from('not a safetensors file at all'), contentType: 'application/octet-stream' }));
  await page.goto(server.url);
  assert.equal(await waitReady(page), 'ready');
  // A missing file is found by a HEAD request when the page starts, before anyone chooses it.
  await waitFor(page, () => document.querySelector('#model-select option[value="ghost"]')?.disabled);
  assert.match(await page.locator('#model-select option[value="ghost"]').getAttribute('title'), /Unavailable: the server answered 404/);
  assert.match(await page.locator('#model-select option[value="ghost"]').textContent(), /unavailable/);
  // A link to it says why, and opens the default model.
  await page.goto('about:blank');
  await page.goto(`${server.url}#model=ghost`);
  assert.equal(await waitReady(page), 'ready');
  await waitFor(page, () => /ghost is unavailable/.test(document.getElementById('notice').textContent));
  assert.match(await page.locator('#notice').textContent(), /ghost is unavailable: the server answered 404 Not Found for \/models\/no-such-model\.safetensors\. The default model is shown\./);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.subject.id), 'vae-2d');
  for (const [id, why] of [['garbled', /garbled is unavailable: The model weights could not be used/], ['liar', /liar is unavailable: the file holds another kind of model \(autoencoder, 2-D\) than the list says \(VAE, 2-D\)/]]) {
    await page.locator('#model-select').selectOption(id);
    await waitFor(page, (id) => document.getElementById('error').textContent.startsWith(`${id} `), id);
    const text = await page.locator('#error').textContent();
    assert.match(text, why, text);
    assert.match(text, /The explorer keeps its current model\.$/);
    assert.equal(await page.evaluate(() => window.vaeExplorer.state.subject.id), 'vae-2d');
    assert.equal(await page.locator(`#model-select option[value="${id}"]`).evaluate((o) => o.disabled), true, `${id} is marked unavailable`);
    assert.match(await page.locator(`#model-select option[value="${id}"]`).textContent(), /unavailable/);
  }
  await page.locator('#model-select').selectOption('cvae-2d');
  await waitFor(page, () => window.vaeExplorer.state.subject?.id === 'cvae-2d');
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
  await context.close();
});

// Mutations that turn it red: decode the twin's right side with the left model (twin.js), or skip a side's
// paint when the cursor moves.
test('the twin view decodes the same z with both models, over each one\'s own map, within one frame', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=compare');
  await waitFor(page, () => window.vaeExplorer.state.twinSubjects?.every(Boolean));
  const box = await page.locator('#twin-map-1').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.7);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.62, box.y + box.height * 0.35, { steps: 20 });
  await page.mouse.up();
  await nextFrames(page);
  const want = await inPage(page, `
    const z = window.vaeExplorer.state.twinZ;
    const out = [];
    for (const file of arg) out.push(grey((await independent(file)).decode(Float32Array.from(z))));
    const dots = window.vaeExplorer.app.twin.sides.map((s) => Array.from(s.plane.dots.mu));
    const mus = [];
    for (const file of arg) mus.push(Array.from((await independent(file)).encode(images).mu));
    return { z, out, dots, mus };`, [fileOf('ae-2d'), fileOf('vae-2d')]);
  assert.ok(want.z[0] > 0.5 && want.z[1] > 0.5, `the drag moved the shared point: ${want.z}`);
  for (const k of [0, 1]) {
    assert.ok(maxDiff(await canvasGrey(page, `twin-digit-${k}`), want.out[k]) <= 1, `side ${k} is its model's decode(z)`);
    assert.deepEqual(want.dots[k], want.mus[k], `side ${k}'s map shows its own model's held-out codes`);
  }
  assert.ok(maxDiff(want.out[0], want.out[1]) > 30, 'the two models decode the same z differently');
  // A burst of pointer moves in one task: each model decodes once in the next frame.
  const counts = await page.evaluate(async () => {
    const { Model } = await import('/pkg/vae_wasm.js');
    const decode = Model.prototype.decode;
    const sides = window.vaeExplorer.app.twin.sides.map((s) => s.subject.model);
    const n = [0, 0];
    Model.prototype.decode = function (...a) { const i = sides.indexOf(this); if (i >= 0 && a[0].length === 2) n[i]++; return decode.apply(this, a); };
    const c = document.getElementById('twin-map-0');
    const b = c.getBoundingClientRect();
    const fire = (type, f) => c.dispatchEvent(new PointerEvent(type, { clientX: b.left + f * b.width, clientY: b.top + 0.5 * b.height, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons: 1, bubbles: true }));
    fire('pointerdown', 0.3);
    for (let i = 1; i <= 30; i++) fire('pointermove', 0.3 + i / 100);
    fire('pointerup', 0.6);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    Model.prototype.decode = decode;
    return n;
  });
  assert.deepEqual(counts, [1, 1], 'one decode per model for the whole burst');
  // The arrow keys move the twin's cursor on this page.
  const z0 = await page.evaluate(() => window.vaeExplorer.state.twinZ.slice());
  await page.locator('#twin-map-1').focus();
  await page.keyboard.press('ArrowLeft');
  await nextFrames(page);
  const z1 = await page.evaluate(() => window.vaeExplorer.state.twinZ.slice());
  assert.ok(Math.abs(z1[0] - (z0[0] - 0.05)) < 1e-9 && z1[1] === z0[1], `ArrowLeft moved the cursor from ${z0} to ${z1}`);
  // Swap sides, and a preset pair.
  await page.locator('#twin-swap').click();
  await waitFor(page, () => window.vaeExplorer.state.twinSubjects?.[0]?.id === 'vae-2d');
  await page.locator('#twin-preset').selectOption('ae-8d,vae-8d');
  await waitFor(page, () => window.vaeExplorer.state.twinSubjects?.map((s) => s?.id).join() === 'ae-8d,vae-8d');
  await page.waitForFunction(() => location.hash.endsWith('twin=ae-8d,vae-8d'));
  assert.deepEqual([await page.locator('#twin-model-0').inputValue(), await page.locator('#twin-model-1').inputValue()], ['ae-8d', 'vae-8d'], 'the side pickers show the pair');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: give the right model other draws than the left (a seed + k in prior.js).
test('prior samples: the same draws z ~ N(0, I) go to both decoders, and each cell is decode(z)', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=compare&twin=ae-8d,vae-8d');
  await waitFor(page, () => window.vaeExplorer.app.prior.shown?.length === 2 && window.vaeExplorer.app.prior.shown[0].id === 'ae-8d');
  const got = await inPage(page, `
    const shown = window.vaeExplorer.app.prior.shown;
    const out = [];
    for (const [k, s] of shown.entries()) out.push({ z: Array.from(s.z), want: grey((await independent(arg[k])).decode(s.z)) });
    return out;`, [fileOf('ae-8d'), fileOf('vae-8d')]);
  assert.deepEqual(got[0].z, got[1].z, 'both models decode the same draws');
  const n = got[0].z.length / 8;
  assert.equal(n, 12);
  for (const [k, g] of got.entries()) {
    for (let i = 0; i < n; i++) {
      assert.ok(maxDiff(await canvasGrey(page, `prior-${k}`, i * 28), g.want.slice(i * 784, (i + 1) * 784)) <= 1, `model ${k}, draw ${i}`);
    }
  }
  // The draws look like N(0, 1): over 24 x 8 numbers the mean is near 0 and the variance near 1.
  await page.locator('#prior-n').fill('24');
  await waitFor(page, () => window.vaeExplorer.app.prior.shown[0].z.length === 24 * 8);
  const z = await page.evaluate(() => Array.from(window.vaeExplorer.app.prior.shown[0].z));
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.25 && Math.abs(variance - 1) < 0.3, `mean ${mean}, variance ${variance}`);
  await page.locator('#prior-n').fill('12');
  await nextFrames(page);
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  const seed = await page.evaluate(() => window.vaeExplorer.app.prior.seed);
  await page.locator('#prior-resample').click();
  assert.equal(await page.evaluate(() => window.vaeExplorer.app.prior.seed), seed + 1);
  assert.notDeepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.app.prior.shown[0].z)), z, 'new draws');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: reconstruct the clean image instead of the corrupted one in corrupt.js.
test('the corruption bench: the masked digit is what the test masks, and each reconstruction is decode(encode(x̃))', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=compare');
  await waitFor(page, () => window.vaeExplorer.state.twinSubjects?.every(Boolean));
  await page.locator('#corrupt-index').fill('7');
  await page.locator('#corrupt-index').dispatchEvent('change');
  await page.locator('#corrupt-kind').selectOption('mask');
  await page.locator('#corrupt-strength').fill('0.5');
  await nextFrames(page);
  for (const kind of ['mask', 'gaussian', 'salt-pepper', 'downsample']) {
    await page.locator('#corrupt-kind').selectOption(kind);
    await nextFrames(page);
    const r = await inPage(page, `
      const x = images.subarray(7 * 784, 8 * 784);
      const noisy = window.vaeExplorer.app.corrupt.last.noisy;
      // The mask, written out here: a 14 x 14 square of zeros at (7, 7).
      const masked = Float32Array.from(x);
      for (let i = 7; i < 21; i++) for (let j = 7; j < 21; j++) masked[i * 28 + j] = 0;
      const out = [];
      for (const file of arg) {
        const m = await independent(file);
        const probs = m.decode(m.encode(noisy).mu);
        let s = 0;
        for (let p = 0; p < 784; p++) s += (probs[p] - x[p]) ** 2;
        out.push({ want: grey(probs), error: 255 * Math.sqrt(s / 784) });
      }
      return { noisy: grey(noisy), masked: grey(masked), out, labels: window.vaeExplorer.app.corrupt.last.recons.map((c) => c.error) };`,
    [fileOf('ae-2d'), fileOf('vae-2d')]);
    if (kind === 'mask') assert.deepEqual(r.noisy, r.masked, 'the masked square');
    assert.ok(maxDiff(await canvasGrey(page, 'corrupt-noisy'), r.noisy) <= 1, `${kind}: the corrupted image is shown`);
    assert.ok(maxDiff(r.noisy, await canvasGrey(page, 'corrupt-clean')) > 40, `${kind}: it differs from the clean one`);
    for (const k of [0, 1]) {
      assert.ok(maxDiff(await canvasGrey(page, `corrupt-recon-${k}`), r.out[k].want) <= 1, `${kind}, model ${k}: decode(encode(x̃))`);
      assert.ok(Math.abs(r.labels[k] - r.out[k].error) < 1e-3, `${kind}, model ${k}: the error ${r.labels[k]} against ${r.out[k].error}`);
      assert.match(await page.locator(`#corrupt-name-${k}`).textContent(), new RegExp(`error ${r.out[k].error.toFixed(1)}$`));
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: drop the exp(logvar) term of the KL in subject.js's klPerDim.
test('N-D latents: the KL bars equal the KL computed from encode, collapse is named, and the traversal cells are decode at their z', async () => {
  for (const id of ['vae-8d', 'bvae-8d']) {
    const { page, context, errors } = await openReady(browser, server, `#model=${id}&z=0.3,-0.2,0,0.5,0,0,0,1`);
    // The sheet is drawn while its panel is on screen; scrolled into view, it catches up with the point.
    await page.locator('#dims-panel').scrollIntoViewIfNeeded();
    await nextFrames(page);
    const r = await inPage(page, `
      const m = await independent(arg);
      const { mu, logvar } = m.encode(images);
      const kl = new Float64Array(8);
      for (let i = 0; i < mu.length; i++) kl[i % 8] += 0.5 * (mu[i] ** 2 + Math.exp(logvar[i]) - 1 - logvar[i]);
      const z = window.vaeExplorer.state.z;
      const pts = [];
      for (let j = 0; j < 8; j++) for (let c = 0; c < 9; c++) { const p = z.slice(); p[j] = -3 + 6 * c / 8; pts.push(...p); }
      return { kl: Array.from(kl, (v) => v / 1000), shown: document.getElementById('kl-bars').dataset.kl.split(',').map(Number),
        active: document.getElementById('kl-bars').dataset.active, want: grey(m.decode(Float32Array.from(pts))) };`, fileOf(id));
    r.kl.forEach((v, j) => assert.ok(Math.abs(v - r.shown[j]) <= 1e-4 * Math.max(1, v), `${id} z${j + 1}: bar ${r.shown[j]}, KL ${v}`));
    const active = r.kl.map((v, j) => (v > 0.01 ? j : -1)).filter((j) => j >= 0);
    assert.equal(r.active, active.join(','), `${id}: the active units`);
    assert.match(await page.locator('#kl-info').textContent(), new RegExp(`Active units \\(KL > 0\\.01 nats\\): ${active.length} of 8`));
    if (active.length < 8) assert.match(await page.locator('#kl-info').textContent(), /posterior collapse/);
    for (const [j, c] of [[0, 0], [3, 8], [7, 4], [5, 2]]) {
      const cell = await canvasGrey(page, 'traversal', c * 28, j * 28);
      assert.ok(maxDiff(cell, r.want.slice((j * 9 + c) * 784, (j * 9 + c + 1) * 784)) <= 1, `${id}: traversal row ${j}, column ${c}`);
    }
    if (id === 'vae-8d') {
      await page.locator('#dims-panel').scrollIntoViewIfNeeded();
      await page.locator('#dims-panel').screenshot({ path: join(SHOTS, 'dims.png') });
    }
    console.log(`${id}: KL per dimension ${r.kl.map((v) => v.toFixed(3)).join(', ')}; active ${active.length} of 8`);
    // The sheet exports as a slide-sized PNG.
    const sheet = await downloadPng(page, '#traversal-export');
    assert.deepEqual([...sheet.png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
    assert.equal(sheet.width, 1920, 'a 1920-pixel-wide PNG');
    assert.match(sheet.name, new RegExp(`vae-traversal-${id}\\.png`));
    assert.deepEqual(errors, []);
    await context.close();
  }
});

// Mutation that turns it red: plane-view.js ignores the pair (draws dims 0 and 1 always).
test('N-D latents: the map shows the chosen pair, a drag moves only those two coordinates, and interpolation runs in all eight', async () => {
  const { page, context, errors } = await openReady(browser, server, '#model=vae-8d');
  await page.locator('#dim-x').selectOption('2');
  await page.locator('#dim-y').selectOption('4');
  await nextFrames(page);
  const before = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  const box = await page.locator('#latent').boundingBox();
  await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.3);
  await nextFrames(page);
  const after = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  after.forEach((v, j) => { if (j !== 2 && j !== 4) assert.equal(v, before[j], `z${j + 1} stays`); });
  assert.ok(after[2] > 0.5 && after[4] > 0.5, `z3 and z5 moved: ${after}`);
  const dots = await inPage(page, `
    const mu = (await independent(arg)).encode(images).mu;
    const plane = window.vaeExplorer.plane;
    return [5, 123, 777].map((i) => [plane.dotXy(i), [mu[8 * i + 2], mu[8 * i + 4]]]);`, fileOf('vae-8d'));
  for (const [got, want] of dots) assert.deepEqual(got, want, 'a dot is drawn at its mu in z3 and z5');
  assert.match(await page.locator('#map-hint').textContent(), /in z₃ and z₅ \(the other 6 dimensions of the point are held at their sliders\)/);
  // A slider moves one dimension alone: a traversal.
  await page.locator('#zr8').fill('2.5');
  await nextFrames(page);
  const moved = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  assert.deepEqual(moved, [...after.slice(0, 7), 2.5]);
  // Interpolation between two held-out digits' means, in all 8 dimensions.
  await page.locator('#a-index').fill('3');
  await page.locator('#a-index').dispatchEvent('change');
  await page.locator('#b-index').fill('10');
  await page.locator('#b-index').dispatchEvent('change');
  await nextFrames(page);
  const r = await inPage(page, `
    const m = await independent(arg);
    const mu = m.encode(images).mu;
    const a = mu.subarray(24, 32);
    const b = mu.subarray(80, 88);
    const path = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) path.push(a[j] + (b[j] - a[j]) * i / 7);
    return { path, got: window.vaeExplorer.strips.path.flat(), want: grey(m.decode(Float32Array.from(path))) };`, fileOf('vae-8d'));
  r.got.forEach((v, i) => assert.ok(Math.abs(v - r.path[i]) < 1e-5, `path coordinate ${i}`));
  for (const i of [0, 3, 7]) assert.ok(maxDiff(await canvasGrey(page, 'strip-latent', i * 28), r.want.slice(i * 784, (i + 1) * 784)) <= 1, `strip cell ${i}`);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutations that turn it red: decode without the picked label (subject.js's labels()), or decode the analogy
// row with one label for all.
test('a CVAE: the class picker drives the decode and the grid, and the style analogy is decode(z, y) for y = 0..9', async () => {
  const { page, context, errors } = await openReady(browser, server, '#model=cvae-2d&z=0.4,-0.6');
  await page.locator('#class-pick button[data-label="7"]').click();
  await nextFrames(page);
  const shown = await decodeShown(page, fileOf('cvae-2d'));
  assert.ok(maxDiff(await canvasGrey(page, 'digit'), shown.want) <= 1, 'the digit is decode(z, 7)');
  await page.waitForFunction(() => location.hash.includes('&y=7&'));
  await page.locator('#view-grid').click();
  await gridPainted(page);
  const cell = await inPage(page, `
    const m = await independent(arg);
    const v = Array.from({ length: 20 }, (_, i) => -3 + 6 * i / 19);
    return grey(m.decode(Float32Array.of(v[4], v[19 - 2]), Uint8Array.of(7)));`, fileOf('cvae-2d'));
  assert.ok(maxDiff(await canvasGrey(page, 'manifold', 4 * 28, 2 * 28), cell) <= 1, 'grid cell (2, 4) is decode(z, 7)');
  assert.match(await page.locator('#grid-info').textContent(), /all decoded as digit 7/);
  await page.locator('#view-map').click();
  // The analogy of held-out #12.
  await page.locator('#analogy-index').fill('12');
  await page.locator('#analogy-index').dispatchEvent('change');
  await nextFrames(page);
  const r = await inPage(page, `
    const m = await independent(arg);
    const x = images.subarray(12 * 784, 13 * 784);
    const mu = m.encode(x, Uint8Array.of(labels[12])).mu;
    const out = [];
    for (let y = 0; y < 10; y++) out.push(grey(m.decode(mu, Uint8Array.of(y))));
    return { mu: Array.from(mu), out, label: labels[12] };`, fileOf('cvae-2d'));
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.app.analogy.row.z), r.mu);
  for (let y = 0; y < 10; y++) assert.ok(maxDiff(await canvasGrey(page, 'analogy-row', y * 28), r.out[y]) <= 1, `analogy cell ${y} = decode(z, ${y})`);
  await page.locator('#analogy-panel').screenshot({ path: join(SHOTS, 'cvae.png') });
  assert.equal((await downloadPng(page, '#analogy-export')).width, 1920);
  // The drawing, as the picked class.
  await page.locator('#analogy-source').selectOption('drawing');
  await drawOnPad(page, [[[0.3, 0.2], [0.7, 0.2], [0.45, 0.85]]]);
  await waitFor(page, () => window.vaeExplorer.app.analogy.row?.label === 7);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: draw the AE's point with a unit sigma ellipse (pad.js), or rank by `loss`.
test('an autoencoder on the pad: a point with no ellipse, no samples, and its score is the reconstruction error', async () => {
  const { page, context, errors } = await openReady(browser, server, '#model=ae-2d');
  await drawOnPad(page, [[[0.5, 0.15], [0.5, 0.85]]]);
  await waitFor(page, () => document.getElementById('pad-info').dataset.recon);
  const overlay = await page.evaluate(() => window.vaeExplorer.plane.overlay);
  assert.equal(overlay.ellipse.sigma, null, 'no sigma: the code is a point');
  assert.equal(overlay.samples, null);
  assert.equal(await page.locator('#pad-samples-fig').isHidden(), true);
  const r = await inPage(page, `
    const m = await independent(arg);
    const x = window.vaeExplorer.padInput;
    const held = Array.from(m.elbo(images, 10, 0).recon).sort((a, b) => a - b);
    const recon = m.elbo(x, 10, 7).recon[0];
    const below = held.findIndex((v) => v > recon);
    return { recon, mu: Array.from(m.encode(x).mu), pct: Math.round(100 * (below < 0 ? held.length : below) / held.length), loss: m.elbo(x, 1, 0).loss };`, fileOf('ae-2d'));
  assert.equal(r.loss, undefined, 'an autoencoder has no ELBO');
  const info = await page.locator('#pad-info').evaluate((el) => ({ ...el.dataset, text: el.textContent }));
  assert.equal(Number(info.recon), r.recon);
  assert.equal(Number(info.percentile), r.pct);
  assert.deepEqual(info.mu.split(',').map(Number), r.mu);
  assert.match(info.text, /an autoencoder's code is a point, with no σ to sample from and no KL term/);
  assert.match(info.text, new RegExp(`reconstruction error alone, ${r.recon.toFixed(1)} nats`));
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.state.z), r.mu, 'the point moved to the code');
  assert.match(await page.locator('#kl-info').textContent(), /An autoencoder has no posterior/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the training panel trains an autoencoder, an 8-D VAE, a CVAE and a Fashion-MNIST VAE, and the explorer explores each', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train');
  // The worker starts with the panel's settings when Train is first pressed.
  await page.locator('#train-family').selectOption('ae');
  await page.locator('#train-hidden').selectOption('128');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 3, null, 60_000);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  assert.equal(await page.evaluate(() => window.vaeExplorer.training.settings.family), 'ae');
  assert.match(await page.locator('#train-readout').textContent(), /reconstruction [\d.]+ \(an autoencoder: no KL\)/);
  await page.locator('#train-use').click();
  await waitFor(page, () => window.vaeExplorer.state.subject?.family === 'ae' && document.body.dataset.shown === 'explore');
  assert.match(await page.locator('#model-name').textContent(), /autoencoder, 2-D \(the model trained here/);
  await page.locator('#page-train').click();
  await page.locator('#train-family').selectOption('vae');
  await page.locator('#train-likelihood').selectOption('gaussian');
  await page.locator('#train-latent').selectOption('8');
  await page.locator('#train-reset').click();
  await waitFor(page, () => window.vaeExplorer.training.settings?.latent === 8, null, 60_000);
  assert.equal(await page.evaluate(() => window.vaeExplorer.training.settings.likelihood), 'gaussian');
  await page.locator('#train-step').click();
  await waitFor(page, () => !document.getElementById('train-view-dims').hidden);
  await page.locator('#train-dims').selectOption('2,5');
  await waitFor(page, () => /z₃ and z₆ of 8 dimensions/.test(document.getElementById('train-map-caption').textContent));
  await page.locator('#train-use').click();
  await waitFor(page, () => window.vaeExplorer.state.subject?.latent === 8);
  assert.equal(await page.locator('#z-sliders input[type=range]').count(), 8);
  assert.equal(await page.evaluate(() => window.vaeExplorer.state.subject.config.likelihood), 'gaussian');
  // A CVAE: its live grid is of a chosen class, and the explorer decodes it with the picked class.
  await page.locator('#page-train').click();
  await page.locator('#train-family').selectOption('cvae');
  await page.locator('#train-latent').selectOption('2');
  await page.locator('#train-reset').click();
  await waitFor(page, () => window.vaeExplorer.training.settings?.family === 'cvae', null, 60_000);
  await page.locator('#train-step').click();
  await waitFor(page, () => !document.getElementById('train-view-class').hidden);
  await page.locator('#train-class').selectOption('3');
  await waitFor(page, () => /all as digit 3, decoded by the model being trained/.test(document.getElementById('train-grid-caption').textContent));
  await page.locator('#train-use').click();
  await waitFor(page, () => window.vaeExplorer.state.subject?.family === 'cvae');
  assert.equal(await page.locator('#class-pick').isVisible(), true);
  // Fashion-MNIST: the worker trains on its page share (12,000 images), evaluates on its held-out clothes,
  // draws its views with their labels, and the explorer shows the result against the clothes.
  await page.locator('#page-train').click();
  await page.locator('#train-dataset').selectOption('fashion-mnist');
  await page.locator('#train-family').selectOption('vae');
  await page.locator('#train-reset').click();
  await waitFor(page, () => window.vaeExplorer.training.settings?.dataset === 'fashion-mnist', null, 60_000);
  await page.locator('#train-step').click();
  await waitFor(page, () => /Held-out images at μ/.test(document.getElementById('train-map-caption').textContent));
  // The step's own stats (the caption comes from the reset's views, which can arrive first, and the CVAE's
  // step also ended at step 1): wait until a stats message reports the Fashion set, then check its size.
  await waitFor(page, () => window.vaeExplorer.training.n !== 9000);
  const n = await page.evaluate(() => window.vaeExplorer.training.n);
  assert.equal(n, 12000, 'the page trains on the first 12,000 Fashion-MNIST training images');
  await page.locator('#train-use').click();
  await waitFor(page, () => window.vaeExplorer.state.subject?.dataset === 'fashion-mnist');
  assert.equal(await page.locator('#legend button').first().textContent(), 'T-shirt/top');
  const heldoutLabels = await inPage(page, `return Array.from((await heldoutOf('fashion-mnist/')).labels.slice(0, 5));`);
  assert.deepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.subject.heldout.labels.slice(0, 5))), heldoutLabels);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: grid.js builds its points in dims 0 and 1 whatever the pair (drop the
// gridLatents call), or pad.js decodes the reconstruction without the picked class.
test('every model of the zoo: the grid, the interpolation strip, the pad and presenter mode each show its own decode', async () => {
  const { page, context, errors } = await openReady(browser, server, '');
  for (const entry of MANIFEST.models) {
    await page.locator('#model-select').selectOption(entry.id);
    await waitFor(page, (id) => window.vaeExplorer.state.subject?.id === id, entry.id);
    if (entry.latent > 2) {
      await page.locator('#dim-x').selectOption('3');
      await page.locator('#dim-y').selectOption('1');
    }
    if (entry.family === 'cvae') await page.locator('#class-pick button[data-label="5"]').click();
    // A point off the origin in every dimension, so that the held coordinates matter.
    for (let j = 0; j < entry.latent; j++) await page.locator(`#z${j + 1}`).fill(String(0.3 - 0.1 * j));
    await page.locator(`#z${entry.latent}`).dispatchEvent('change');
    await nextFrames(page);
    // The grid (cell (row 3, col 6) of the default 20 x 20 over [-3, 3]^2 is read below), the strip, the pad.
    await page.locator('#view-grid').click();
    await nextFrames(page);
    await page.locator('#a-index').fill('21');
    await page.locator('#a-index').dispatchEvent('change');
    await page.locator('#b-index').fill('650');
    await page.locator('#b-index').dispatchEvent('change');
    await drawOnPad(page, [[[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7], [0.3, 0.3]]]);
    await waitFor(page, () => document.getElementById('pad-info').dataset.recon);
    const want = await inPage(page, `
      const m = await independent(arg.file);
      const s = window.vaeExplorer.state;
      const d = m.config.latent;
      const cvae = m.config.family === 'cvae';
      const y = (n, v) => (cvae ? new Uint8Array(n).fill(v) : undefined);
      const set = await heldoutOf(arg.folder);
      const a = m.encode(set.images.subarray(21 * 784, 22 * 784), y(1, set.labels[21])).mu;
      const x = window.vaeExplorer.padInput;
      const mu = m.encode(x, y(1, s.label)).mu;
      return { a: grey(m.decode(a, y(1, s.label))),
        recon: grey(m.decode(mu, y(1, s.label))), pair: s.pair, label: s.label };`, { file: entry.file, folder: entry.dataset === 'mnist' ? '' : `${entry.dataset}/` });
    if (entry.latent > 2) assert.deepEqual(want.pair, [3, 1], entry.id);
    if (entry.family === 'cvae') assert.equal(want.label, 5);
    // The pad moved the point to the drawing's code; the grid follows the point (its held coordinates).
    const gridWant = await inPage(page, `
      const m = await independent(arg);
      const s = window.vaeExplorer.state;
      const v = Array.from({ length: 20 }, (_, i) => -3 + 6 * i / 19);
      const cell = s.z.slice(); // the grid's z: the point, with the pair at the cell's values
      cell[s.pair[0]] = v[6];
      cell[s.pair[1]] = v[19 - 3];
      return grey(m.decode(Float32Array.from(cell), m.config.family === 'cvae' ? Uint8Array.of(s.label) : undefined));`, entry.file);
    await gridPainted(page);
    assert.ok(maxDiff(await canvasGrey(page, 'manifold', 6 * 28, 3 * 28), gridWant) <= 1, `${entry.id}: grid cell (3, 6)`);
    assert.ok(maxDiff(await canvasGrey(page, 'strip-latent', 0), want.a) <= 1, `${entry.id}: the strip starts at decode(μ of #21)`);
    assert.ok(maxDiff(await canvasGrey(page, 'pad-recon'), want.recon) <= 1, `${entry.id}: the pad's reconstruction`);
    await page.locator('#view-map').click();
    // Presenter mode: the large digit is the decode of the point.
    await page.keyboard.press('p');
    await nextFrames(page);
    const shown = await decodeShown(page, entry.file);
    assert.equal(await page.evaluate(() => document.body.classList.contains('presenter')), true);
    assert.ok(maxDiff(await canvasGrey(page, 'digit'), shown.want) <= 1, `${entry.id}: presenter mode's digit`);
    await page.keyboard.press('Escape');
    await page.locator('#pad-clear').click();
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: give every Subject MNIST's held-out set (main.js's subjectFor), or the legend
// the digits' names whatever the data set (map.js).
test('a Fashion-MNIST model: its own held-out clothes on the map, its class names, and no "digit" where it means image', async () => {
  const { page, context, errors } = await openReady(browser, server, '#model=fashion-vae-2d');
  const r = await inPage(page, `
    const m = await independent(arg);
    const set = await heldoutOf('fashion-mnist/');
    return { mu: Array.from(m.encode(set.images).mu), labels: Array.from(set.labels), shown: Array.from(window.vaeExplorer.dotsMu) };`, fileOf('fashion-vae-2d'));
  assert.deepEqual(r.shown, r.mu, 'the dots are the held-out clothes at their means');
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  assert.deepEqual(await page.locator('#legend button').allTextContents(), names);
  assert.equal(await page.locator('#digit-title').textContent(), 'Decoded image');
  // Hover a dot: the inspector names its class.
  const i = 357;
  const at = await page.evaluate((i) => window.vaeExplorer.plane.toPx(window.vaeExplorer.plane.dotXy(i)), i);
  const box = await page.locator('#latent').boundingBox();
  await page.mouse.move(box.x + at[0], box.y + at[1]);
  await waitFor(page, () => document.getElementById('inspect-info').dataset.index);
  const shownIndex = Number(await page.locator('#inspect-info').getAttribute('data-index'));
  assert.match(await page.locator('#inspect-info').textContent(), new RegExp(`^Held-out #${shownIndex}, a ${names[r.labels[shownIndex]].replace('/', '\\/')}:`));
  assert.match(await page.locator('#map-hint').textContent(), /the 1,000 held-out images at their encoder means μ/);
  assert.deepEqual(errors, []);
  await context.close();
});
