// The explorer's map, grid, zoom, keyboard, URL state and presenter mode, in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, nextFrames, canvasGrey, maxDiff, INDEPENDENT } from './harness.mjs';

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

test('the grid view decodes N x N points in one call, with linear or quantile spacing, and marks the point', async () => {
  const { page, context, errors } = await openReady(browser, server, '#z=1,-0.5');
  await page.evaluate(async () => {
    const { Vae } = await import('/pkg/vae_wasm.js');
    const decode = Vae.prototype.decode;
    window.__gridDecodes = [];
    Vae.prototype.decode = function (z) { window.__gridDecodes.push(z.length / 2); return decode.call(this, z); };
  });
  await page.keyboard.press('g');
  await nextFrames(page);
  assert.equal(await page.locator('#grid-wrap').isVisible(), true);
  assert.equal(await page.locator('#latent').isVisible(), false);
  await page.locator('#grid-n').fill('12');
  await nextFrames(page);
  const calls = await page.evaluate(() => window.__gridDecodes);
  assert.ok(calls.includes(20 * 20) && calls.includes(12 * 12), `one batched call per grid: ${calls}`);
  assert.equal(await page.evaluate(() => document.getElementById('manifold').width), 12 * 28);

  for (const spacing of ['linear', 'quantile']) {
    await page.locator('#grid-spacing').selectOption(spacing);
    await nextFrames(page);
    // Cell (row 2, col 9) of a 12x12 grid over [-3, 3]: compare with an independent decode of its z.
    const want = await page.evaluate(new Function('spacing', `return (async () => { ${INDEPENDENT}
      const { axisValues } = await import('/js/manifold.js');
      const v = axisValues(12, 3, spacing);
      return { z: [v[9], v[12 - 1 - 2]], px: Array.from(vae.decode(Float32Array.of(v[9], v[12 - 1 - 2])), (p) => Math.round(p * 255)), v };
    })()`), spacing);
    const got = await canvasGrey(page, 'manifold', 9 * 28, 2 * 28);
    assert.ok(maxDiff(got, want.px) <= 1, `${spacing}: cell (2, 9) is decode(${want.z})`);
    assert.equal(want.v[0], -3);
    assert.equal(want.v[11], 3);
    const gaps = want.v.slice(1).map((x, i) => x - want.v[i]);
    if (spacing === 'quantile') assert.ok(gaps[0] > 2 * gaps[5], 'quantile spacing is denser near 0');
    else assert.ok(Math.abs(gaps[0] - gaps[5]) < 1e-9, 'linear spacing is even');
  }
  // The point (1, -0.5) is marked in the cell nearest to it.
  const cell = await page.locator('#manifold').getAttribute('data-cell');
  const expectCell = await page.evaluate(async () => {
    const { axisValues } = await import('/js/manifold.js');
    const v = axisValues(12, 3, 'quantile');
    const near = (x) => v.reduce((b, y, i) => (Math.abs(y - x) < Math.abs(v[b] - x) ? i : b), 0);
    return `${11 - near(-0.5)},${near(1)}`;
  });
  assert.equal(cell, expectCell);
  await page.screenshot({ path: join(SHOTS, 'grid.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

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
  await page.locator('#zoom-reset').click();
  assert.equal(await page.evaluate(() => window.vaeExplorer.plane.view.half), 4);
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
  assert.match(await page.locator('#notice').textContent(), /numbers from −50 to 50/);
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
  await page.locator('#view-grid').click();
  await page.locator('#grid-spacing').selectOption('quantile');
  await page.waitForTimeout(300);
  const url = page.url();
  assert.match(url, /#z=-1\.25,0&v=grid&n=20&r=3&sp=q&k=5&i=sph/);
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
  assert.deepEqual(await canvasGrey(second.page, 'digit'), pixels, 'the same digit');
  assert.deepEqual(await canvasGrey(second.page, 'manifold', 0, 0, 560, 28), grid, 'the same grid');
  await second.context.close();

  for (const hash of ['#z=NaN,1&n=abc&v=nope&k=99', `#z=${'9'.repeat(100_000)}`, '#%%%garbage&&==']) {
    const bad = await openReady(browser, server, hash);
    const st = await bad.page.evaluate(() => window.vaeExplorer.state.z);
    assert.ok(st.every(Number.isFinite), `z stays finite for ${hash.slice(0, 30)}`);
    if (hash !== '#%%%garbage&&==') assert.match(await bad.page.locator('#notice').textContent(), /ignored/);
    assert.deepEqual(bad.errors, []);
    await bad.context.close();
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the layout fits a phone and a projector, and a tap on a touch screen moves the point', async () => {
  for (const [name, viewport, touch] of [['phone', { width: 390, height: 844 }, true], ['projector', { width: 1920, height: 1080 }, false]]) {
    const { page, context, errors } = await openReady(browser, server, '', { viewport, hasTouch: touch, isMobile: touch });
    const fit = await page.evaluate(() => {
      const map = document.getElementById('latent').getBoundingClientRect();
      const wide = [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > innerWidth + 1);
      return { scroll: document.scrollingElement.scrollWidth, width: innerWidth, map: [map.left, map.right, map.width], wide: wide.map((el) => el.id || el.tagName) };
    });
    assert.ok(fit.scroll <= fit.width, `${name}: the page scrolls sideways (${fit.scroll} > ${fit.width}): ${fit.wide}`);
    assert.ok(fit.map[0] >= 0 && fit.map[1] <= fit.width && fit.map[2] >= Math.min(300, fit.width * 0.8), `${name}: map at ${fit.map}`);
    // What a screen reader announces: every control has a name (its text, its <label>, or aria-label).
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, canvas[tabindex], a[href]')]
      .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()))
      .map((el) => el.id || el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], `${name}: controls without an accessible name`);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name === 'phone' });
    if (touch) {
      const box = await page.locator('#latent').boundingBox();
      await page.touchscreen.tap(box.x + box.width * 0.75, box.y + box.height * 0.25);
      await nextFrames(page);
      const z = await page.evaluate(() => window.vaeExplorer.state.z);
      assert.ok(z[0] > 0.5 && z[1] > 0.5, `a tap up and to the right moved the point to ${z}`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});
