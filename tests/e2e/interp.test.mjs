// Interpolation strips, the animated walk, the PNG export, and the drawing pad, in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, nextFrames, canvasGrey, maxDiff, INDEPENDENT, drawOnPad, canvasImage, rgb, colourDiff, plotSquare } from './harness.mjs';

const TEAL = rgb('#0b7a75');

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const A = [-1.5, 1];
const B = [1.5, -0.5];

/** Independent decode of the K-point path, and the cross-fade of its end images, as 0-255 greys. */
function expectedStrips(page, k, spherical) {
  return page.evaluate(new Function('args', `return (async () => { ${INDEPENDENT}
    const { latentPath } = await import('/pkg/vae_wasm.js');
    const [a, b, k, spherical] = args;
    const path = latentPath(Float32Array.from(a), Float32Array.from(b), k, spherical);
    const p = vae.decode(path);
    const grey = (i, f) => Array.from({ length: 784 }, (_, j) => Math.round(f(j) * 255));
    return {
      path: Array.from(path),
      latent: Array.from({ length: k }, (_, i) => grey(i, (j) => p[i * 784 + j])),
      pixel: Array.from({ length: k }, (_, i) => grey(i, (j) => (1 - i / (k - 1)) * p[j] + (i / (k - 1)) * p[(k - 1) * 784 + j])),
    };
  })()`), [A, B, k, spherical]);
}

test('the K-step strips show latent interpolation and the pixel cross-fade, linear and spherical', async () => {
  const { page, context, errors } = await openReady(browser, server, `#a=${A}&b=${B}&k=6`);
  for (const spherical of [false, true]) {
    await page.locator('#interp-mode').selectOption(spherical ? 'spherical' : 'linear');
    await nextFrames(page);
    const want = await expectedStrips(page, 6, spherical);
    assert.equal(await page.evaluate(() => document.getElementById('strip-latent').width), 6 * 28);
    for (let i = 0; i < 6; i++) {
      assert.ok(maxDiff(await canvasGrey(page, 'strip-latent', i * 28), want.latent[i]) <= 1, `latent cell ${i}`);
      assert.ok(maxDiff(await canvasGrey(page, 'strip-pixel', i * 28), want.pixel[i]) <= 1, `cross-fade cell ${i}`);
    }
    const path = await page.evaluate(() => window.vaeExplorer.strips.path.flat());
    assert.ok(maxDiff(path, want.path) < 1e-6, 'the map draws the same path');
    // The end points are A and B; the middle of a linear path is their mean, a spherical one bows away.
    const mid = [path[4], path[5]]; // point 2 of 6: t = 2/5
    assert.ok(Math.abs(path[0] - A[0]) < 1e-6 && Math.abs(path[11] - B[1]) < 1e-6);
    if (!spherical) assert.ok(Math.abs(mid[0] - (A[0] + 2 * (B[0] - A[0]) / 5)) < 1e-5, `linear: ${mid}`);
    else assert.ok(Math.abs(mid[0] - (A[0] + 2 * (B[0] - A[0]) / 5)) > 0.05, 'spherical differs from linear');
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('A and B are set by clicking the map: an empty spot gives its z, a dot gives that held-out digit', async () => {
  const { page, context, errors } = await openReady(browser, server);
  const before = await page.evaluate(() => window.vaeExplorer.state.z.slice());
  // Screen position of a latent point, and the dot (if any) the map finds there.
  const at = (z) => page.evaluate((z) => {
    const { plane } = window.vaeExplorer;
    const [px, py] = plane.toPx(z);
    const r = plane.canvas.getBoundingClientRect();
    return { x: r.left + px, y: r.top + py, dot: plane.dotAt(px, py), z: plane.toZ(px, py) };
  }, z);

  await page.locator('#pick-a').click();
  assert.equal(await page.locator('#pick-a').getAttribute('aria-pressed'), 'true');
  const empty = await at([3.6, 3.6]);
  assert.equal(empty.dot, -1, 'the corner of the default view is free of dots');
  await page.mouse.click(empty.x, empty.y);
  const a = await page.evaluate(() => window.vaeExplorer.state.a);
  assert.ok(maxDiff(a, empty.z) < 0.02, `A = ${a}, clicked at ${empty.z}`);
  assert.equal(await page.locator('#pick-a').getAttribute('aria-pressed'), 'false', 'one click, then disarmed');
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.state.z), before, 'setting A does not move the point');

  await page.locator('#pick-b').click();
  const i = 123;
  const dot = await at(await page.evaluate((i) => Array.from(window.vaeExplorer.dotsMu.subarray(2 * i, 2 * i + 2)), i));
  assert.ok(dot.dot >= 0);
  await page.mouse.click(dot.x, dot.y);
  const want = await page.evaluate((j) => Array.from(window.vaeExplorer.dotsMu.subarray(2 * j, 2 * j + 2)), dot.dot);
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.state.b), want, 'B is exactly that digit\'s mu');
  assert.equal(await page.locator('#b-index').inputValue(), String(dot.dot));
  assert.match(await page.locator('#b-out').textContent(), new RegExp(`held-out #${dot.dot}`));
  assert.ok(await page.evaluate(() => window.vaeExplorer.strips !== null), 'the strip is drawn');

  // Esc disarms without setting anything.
  await page.locator('#pick-a').click();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#pick-a').getAttribute('aria-pressed'), 'false');
  await page.mouse.click(dot.x, dot.y);
  assert.deepEqual(await page.evaluate(() => window.vaeExplorer.state.a), a, 'A unchanged after Esc');
  // A typed as a held-out digit's number: that digit's mu, by an independent encoder.
  // Mutation that turns it red: read `${which}-index` off by one in endFromIndex (main.js).
  await page.locator('#a-index').fill('321');
  await page.locator('#a-index').dispatchEvent('change');
  const typed = await page.evaluate(new Function(`return (async () => { ${INDEPENDENT}
    return { mu: Array.from(vae.encode(images.subarray(321 * 784, 322 * 784)).mu), label: labels[321] }; })()`));
  assert.ok(maxDiff(await page.evaluate(() => window.vaeExplorer.state.a), typed.mu) < 1e-6, 'A is held-out #321\'s mu');
  assert.match(await page.locator('#a-out').textContent(), new RegExp(`held-out #321 \\(a ${typed.label}\\)`));
  for (const bad of ['1000', '-1', '2.5']) {
    await page.locator('#a-index').fill(bad);
    await page.locator('#a-index').dispatchEvent('change');
    assert.match(await page.locator('#notice').textContent(), /whole number from 0 to 999/, bad);
    assert.ok(maxDiff(await page.evaluate(() => window.vaeExplorer.state.a), typed.mu) < 1e-6, `A unchanged by ${bad}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the walk moves the point along the path, pauses, and goes faster at a higher speed', async () => {
  const { page, context, errors } = await openReady(browser, server, `#a=${A}&b=${B}&k=6`);
  const z = () => page.evaluate(() => window.vaeExplorer.state.z.slice());
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => window.vaeExplorer.walking), true);
  await page.waitForTimeout(600);
  const p = await z();
  // On the segment from A to B: the cross product with B - A is ~0 and the point lies between them.
  const cross = (p[0] - A[0]) * (B[1] - A[1]) - (p[1] - A[1]) * (B[0] - A[0]);
  const t = (p[0] - A[0]) / (B[0] - A[0]);
  assert.ok(Math.abs(cross) < 1e-4 && t > 0.05 && t < 0.6, `on the path after 0.6 s at speed 1: ${p} (t ${t})`);
  await page.keyboard.press(' ');
  await nextFrames(page); // the last queued point is painted on the next frame
  const paused = await z();
  await page.waitForTimeout(300);
  assert.deepEqual(await z(), paused, 'paused');
  assert.equal(await page.locator('#walk-play').getAttribute('aria-pressed'), 'false');
  // Play resumes where it paused. At speed 4 the point covers the whole path in 4 / 4 = 1 s: measured from
  // where the point actually is in each frame (its z, as fractions of the path) against the frames' own
  // timestamps, fitted by least squares, so that a slow machine's late frames do not matter.
  // Mutation that turns it red: drop `state.speed` from stepWalk in main.js (the walk then keeps speed 1).
  await page.locator('#walk-speed').fill('4');
  await page.locator('#walk-play').click();
  await nextFrames(page);
  const resumed = await z();
  const tResumed = (resumed[0] - A[0]) / (B[0] - A[0]);
  assert.ok(Math.abs(tResumed - (paused[0] - A[0]) / (B[0] - A[0])) < 0.15, 'resumed near where it paused');
  const samples = await page.evaluate(() => new Promise((resolve) => {
    const out = [];
    const tick = (now) => {
      out.push([now, window.vaeExplorer.state.z[0]]);
      if (out.length < 40) requestAnimationFrame(tick); else resolve(out);
    };
    requestAnimationFrame(tick);
  }));
  // Split into runs between the bounces at A and B; fit |dt/dtime| on the longest run.
  const ts = samples.map(([ms, z1]) => [ms / 1000, (z1 - A[0]) / (B[0] - A[0])]);
  const runs = [[ts[0]]];
  let dir = 0;
  for (let i = 1; i < ts.length; i++) {
    const d = Math.sign(ts[i][1] - ts[i - 1][1]); // 0 when no new frame was painted: same leg
    if (d && dir && d !== dir) runs.push([ts[i - 1]]);
    if (d) dir = d;
    runs.at(-1).push(ts[i]);
  }
  const run = runs.reduce((x, y) => (y.length > x.length ? y : x)).filter(([, t]) => t > 0.02 && t < 0.98);
  assert.ok(run.length >= 8, `frames on one leg of the walk: ${run.length}`);
  const mt = run.reduce((acc, [x]) => acc + x, 0) / run.length;
  const mp = run.reduce((acc, [, y]) => acc + y, 0) / run.length;
  const slope = run.reduce((acc, [x, y]) => acc + (x - mt) * (y - mp), 0) / run.reduce((acc, [x]) => acc + (x - mt) ** 2, 0);
  assert.ok(Math.abs(Math.abs(slope) - 4 / 4) < 0.08, `path fraction per second at speed 4: ${slope}`);
  await page.locator('#walk-play').click();
  assert.equal(await page.evaluate(() => window.vaeExplorer.walking), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the exported PNG is slide-sized and holds the K images of both strips', async () => {
  const { page, context, errors } = await openReady(browser, server, `#a=${A}&b=${B}&k=7`, { acceptDownloads: true });
  const want = await expectedStrips(page, 7, false);
  for (const labels of [true, false]) {
    await page.locator('#export-labels').setChecked(labels);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-strip').click()]);
    assert.equal(download.suggestedFilename(), 'vae-interpolation-7-steps.png');
    const path = join(ROOT, 'tests', 'artifacts', `strip-${labels}.png`);
    await download.saveAs(path);
    const b64 = (await import('node:fs')).readFileSync(path).toString('base64');
    // Read it back in the page and sample the centre of every source pixel of every cell.
    const r = await page.evaluate(async ({ b64, k }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const gap = 8;
      const cell = Math.floor((img.width - gap * (k + 1)) / k / 28) * 28;
      const left = Math.floor((img.width - (k * cell + (k - 1) * gap)) / 2);
      const labelH = (img.height - 2 * cell - 3 * gap) / 2;
      const rows = [0, 1].map((row) => Array.from({ length: k }, (_, i) => {
        const top = gap + row * (cell + gap + labelH) + labelH;
        const d = ctx.getImageData(left + i * (cell + gap), top, cell, cell).data;
        const s = cell / 28;
        const h = Math.floor(s / 2);
        return Array.from({ length: 784 }, (_, j) => d[4 * ((Math.floor(j / 28) * s + h) * cell + (j % 28) * s + h)]);
      }));
      return { width: img.width, height: img.height, cell, labelH, rows };
    }, { b64, k: 7 });
    assert.equal(r.width, 1920);
    assert.equal(r.labelH, labels ? 44 : 0);
    assert.equal(r.height, 2 * r.cell + 3 * 8 + 2 * r.labelH);
    for (let i = 0; i < 7; i++) {
      assert.ok(maxDiff(r.rows[0][i], want.latent[i]) <= 1, `labels ${labels}: latent image ${i}`);
      assert.ok(maxDiff(r.rows[1][i], want.pixel[i]) <= 1, `labels ${labels}: cross-fade image ${i}`);
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

/** The class whose held-out centroid (of encoder means) is nearest to mu. */
function nearestClass(page, mu) {
  return page.evaluate(new Function('mu', `return (async () => { ${INDEPENDENT}
    const m = vae.encode(images).mu;
    const c = Array.from({ length: 10 }, () => [0, 0, 0]);
    labels.forEach((l, i) => { c[l][0] += m[2 * i]; c[l][1] += m[2 * i + 1]; c[l][2]++; });
    const d = c.map(([x, y, n]) => Math.hypot(x / n - mu[0], y / n - mu[1]));
    return d.indexOf(Math.min(...d));
  })()`), mu);
}

/** The pad's score: recon + KL = the negative ELBO, each equal to elbo() of the input, and its percentile
 *  among the held-out digits' scores, counted here. `want` is from an independent Vae. */
async function checkScore(page, want) {
  const info = page.locator('#pad-info');
  const ds = await info.evaluate((el) => ({ ...el.dataset }));
  assert.ok(Math.abs(Number(ds.loss) - want.loss) < 1e-4 && Math.abs(Number(ds.recon) - want.reconLoss) < 1e-4 && Math.abs(Number(ds.kl) - want.kl) < 1e-4, JSON.stringify(ds));
  assert.ok(Math.abs(Number(ds.recon) + Number(ds.kl) - Number(ds.loss)) < 1e-3, 'recon + KL = -ELBO, as the page gives them');
  const pct = Math.round((100 * want.heldoutScores.filter((v) => v <= want.loss).length) / want.heldoutScores.length);
  assert.equal(Number(ds.percentile), pct);
  assert.match(await info.textContent(), new RegExp(`Negative ELBO ${want.loss.toFixed(1)} nats = reconstruction ${want.reconLoss.toFixed(1)} \\+ KL ${want.kl.toFixed(1)}: higher than ${pct}% of the held-out digits`));
  return pct;
}

/** Everything about the pad's input, from an independent Vae in the page. */
function independentPad(page) {
  return page.evaluate(new Function(`return (async () => { ${INDEPENDENT}
    const x = window.vaeExplorer.padInput;
    const { mu, logvar } = vae.encode(x);
    const heldoutScores = Array.from(vae.elbo(images, 10, 0).loss);
    const score = vae.elbo(x, 10, 7);
    return { x: Array.from(x), mu: Array.from(mu), sigma: Array.from(logvar, (v) => Math.exp(v / 2)),
      recon: Array.from(vae.decode(mu), (p) => Math.round(p * 255)), heldoutScores,
      loss: score.loss[0], reconLoss: score.recon[0], kl: score.kl[0] };
  })()`));
}

test('a drawn stroke and a drawn circle are preprocessed like MNIST and land near the 1s and the 0s', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await drawOnPad(page, [[[0.52, 0.15], [0.5, 0.5], [0.48, 0.85]]]);
  const info = page.locator('#pad-info');
  const one = (await info.getAttribute('data-mu')).split(',').map(Number);
  assert.equal(await nearestClass(page, one), 1, `a vertical stroke encodes to ${one}`);
  // The 28x28 input: the ink's bounding box is 20 pixels tall and its centre of mass is near the centre.
  const input = await canvasGrey(page, 'pad-input');
  const rows = input.reduce((acc, v, i) => (v > 0 ? acc.add(Math.floor(i / 28)) : acc), new Set());
  assert.ok(rows.size >= 19 && rows.size <= 21, `ink spans ${rows.size} rows`);
  const mass = input.reduce((s, v) => s + v, 0);
  const cy = input.reduce((s, v, i) => s + v * (Math.floor(i / 28) + 0.5), 0) / mass;
  const cx = input.reduce((s, v, i) => s + v * ((i % 28) + 0.5), 0) / mass;
  assert.ok(Math.abs(cx - 14) < 1 && Math.abs(cy - 14) < 1, `centre of mass (${cx}, ${cy})`);
  // Everything below is recomputed by an independent Vae from the input the encoder was given.
  const want = await independentPad(page);
  assert.deepEqual(await canvasGrey(page, 'pad-input'), want.x.map((v) => Math.round(v * 255)), 'the input shown is the input encoded');
  assert.ok(maxDiff(one, want.mu) < 1e-6, `mu ${one} is encode(input).mu ${want.mu}`);
  assert.ok(maxDiff(await canvasGrey(page, 'pad-recon'), want.recon) <= 1, 'reconstruction = decode(mu)');
  await checkScore(page, want);
  const ds = await info.evaluate((el) => ({ ...el.dataset }));
  // The magnification: the smallest of 1, 2, 5, 10, ... that makes the ellipse's smaller axis 10 px or more.
  const unit = plotSquare(await canvasImage(page, 'latent')).unit;
  const factor = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((f) => Math.min(...want.sigma) * f * unit >= 10) ?? 1000;
  assert.equal(Number(ds.factor), factor);
  if (factor > 1) assert.match(await info.textContent(), new RegExp(`drawn ${factor}× larger`));
  // The samples: the strip's cells are decode(z_i), where the map's ◆ are drawn at mu + factor (z_i - mu).
  assert.equal(await page.evaluate(() => document.getElementById('pad-samples').width), 8 * 28);
  const shown = await page.evaluate(() => window.vaeExplorer.plane.overlay.samples);
  assert.equal(shown.length, 8);
  const z = shown.map((p) => [0, 1].map((j) => want.mu[j] + (p[j] - want.mu[j]) / factor));
  const eps = z.map((p) => [0, 1].map((j) => (p[j] - want.mu[j]) / want.sigma[j]));
  assert.ok(eps.flat().every((e) => Math.abs(e) < 5) && new Set(eps.flat().map((e) => e.toFixed(3))).size === 16, `eps = (z - mu) / sigma: ${eps}`);
  const decoded = await page.evaluate(new Function('z', `return (async () => { ${INDEPENDENT}
    return Array.from(vae.decode(Float32Array.from(z.flat())), (p) => Math.round(p * 255)); })()`), z);
  for (let i = 0; i < 8; i++) {
    assert.ok(maxDiff(await canvasGrey(page, 'pad-samples', i * 28), decoded.slice(i * 784, (i + 1) * 784)) <= 1, `sample ${i} = decode(z_${i})`);
  }
  // By pixel on the map: the sigma ellipse's outline right of and above mu, and each ◆ not under the point.
  const img = await canvasImage(page, 'latent');
  const sq = plotSquare(img);
  const [mx, my] = sq.at(want.mu);
  const r = [0, 1].map((j) => want.sigma[j] * factor * unit);
  assert.ok(colourDiff(img.px(mx + r[0], my), TEAL) <= 4, `the ellipse's outline at mu + (${r[0].toFixed(1)} px, 0)`);
  assert.ok(colourDiff(img.px(mx, my - r[1]), TEAL) <= 4, `the ellipse's outline at mu - (0, ${r[1].toFixed(1)} px)`);
  let diamonds = 0;
  for (const p of shown) {
    const [x, y] = sq.at(p);
    if (Math.hypot(x - mx, y - my) < 12) continue; // under the current point, which is drawn on top
    assert.ok(colourDiff(img.px(x, y), TEAL) <= 4, `a ◆ at ${p}`);
    diamonds++;
  }
  assert.ok(diamonds >= 1, 'at least one ◆ was checked');
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'pad.png'), fullPage: true });

  // A held-out digit painted onto the pad, ten pixels per pixel: a typical input, so that its percentile is
  // neither 0 nor 100 and the check above has something to tell apart.
  // Mutation that turns it red: rank the drawing's reconstruction term instead of its -ELBO in main.js.
  await page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch('/data/heldout-images.idx3-ubyte')).arrayBuffer()).subarray(16 + 300 * 784, 16 + 301 * 784);
    const ctx = document.getElementById('pad').getContext('2d');
    for (let i = 0; i < 784; i++) { ctx.fillStyle = `rgb(${bytes[i]},${bytes[i]},${bytes[i]})`; ctx.fillRect((i % 28) * 10, Math.floor(i / 28) * 10, 10, 10); }
  });
  await page.locator('#pad-resample').click();
  const typical = await checkScore(page, await independentPad(page));
  assert.ok(typical > 0 && typical < 100, `a held-out digit's percentile is ${typical}`);

  await page.locator('#pad-clear').click();
  assert.match(await info.textContent(), /empty/);
  const circle = Array.from({ length: 25 }, (_, i) => [0.5 + 0.28 * Math.sin((2 * Math.PI * i) / 24), 0.5 - 0.36 * Math.cos((2 * Math.PI * i) / 24)]);
  await drawOnPad(page, [circle]);
  const zero = (await info.getAttribute('data-mu')).split(',').map(Number);
  assert.equal(await nearestClass(page, zero), 0, `a circle encodes to ${zero}`);
  assert.deepEqual(errors, []);
  await context.close();
});
