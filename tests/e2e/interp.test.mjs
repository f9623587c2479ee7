// Interpolation strips, the animated walk, the PNG export, and the drawing pad, in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, nextFrames, canvasGrey, maxDiff, INDEPENDENT, drawOnPad } from './harness.mjs';

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
  // Play resumes where it paused; at speed 4 the walk advances 4/4 s^-1 of the path, measured in the
  // page against its own clock so that machine load does not matter.
  await page.locator('#walk-speed').fill('4');
  await page.locator('#walk-play').click();
  await nextFrames(page);
  const resumed = await z();
  const tResumed = (resumed[0] - A[0]) / (B[0] - A[0]);
  assert.ok(Math.abs(tResumed - (paused[0] - A[0]) / (B[0] - A[0])) < 0.15, 'resumed near where it paused');
  const rate = await page.evaluate(async () => {
    const s0 = window.vaeExplorer.walkClock;
    await new Promise((r) => setTimeout(r, 250));
    const s1 = window.vaeExplorer.walkClock;
    return Math.abs(s1.t - s0.t) / ((s1.at - s0.at) / 1000);
  });
  assert.ok(Math.abs(rate - 4 / 4) < 0.05, `path fraction per second at speed 4: ${rate}`);
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
  // The reconstruction, the samples, the ellipse and the score.
  const want = await page.evaluate(new Function('mu', `return (async () => { ${INDEPENDENT}
    return Array.from(vae.decode(Float32Array.from(mu)), (p) => Math.round(p * 255)); })()`), one);
  assert.ok(maxDiff(await canvasGrey(page, 'pad-recon'), want) <= 1, 'reconstruction = decode(mu)');
  assert.equal(await page.evaluate(() => document.getElementById('pad-samples').width), 8 * 28);
  const overlay = await page.evaluate(() => window.vaeExplorer.plane.overlay);
  assert.equal(overlay.samples.length, 8);
  const factor = Number(await info.getAttribute('data-factor'));
  assert.ok(factor >= 1);
  if (factor > 1) assert.match(await info.textContent(), new RegExp(`drawn ${factor}× larger`));
  const pct = Number(await info.getAttribute('data-percentile'));
  assert.ok(pct >= 0 && pct <= 100);
  assert.match(await info.textContent(), /Negative ELBO [\d.]+ nats = reconstruction [\d.]+ \+ KL [\d.]+/);
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'pad.png'), fullPage: true });

  await page.locator('#pad-clear').click();
  assert.match(await info.textContent(), /empty/);
  const circle = Array.from({ length: 25 }, (_, i) => [0.5 + 0.28 * Math.sin((2 * Math.PI * i) / 24), 0.5 - 0.36 * Math.cos((2 * Math.PI * i) / 24)]);
  await drawOnPad(page, [circle]);
  const zero = (await info.getAttribute('data-mu')).split(',').map(Number);
  assert.equal(await nearestClass(page, zero), 0, `a circle encodes to ${zero}`);
  assert.deepEqual(errors, []);
  await context.close();
});
