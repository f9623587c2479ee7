// The latent map, read by pixel. Where each thing must be drawn is computed here from the plot square found
// in the pixels themselves (its 1-px border) and the view, never from the page's own toPx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openReady, nextFrames, INDEPENDENT, canvasImage, rgb, colourDiff, plotSquare } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

// The specification, written out here: Paul Tol's "muted" colours plus a dark grey, one per digit class.
const PALETTE = ['#332288', '#88CCEE', '#117733', '#CC6677', '#DDCC77', '#44AA99', '#AA4499', '#999933', '#882255', '#555555'].map(rgb);
const PRIOR = rgb('#9aa5b8');
const INK = rgb('#1d2330');
const TEAL = rgb('#0b7a75');
const WHITE = [255, 255, 255];

/** The held-out digits' means and labels, from an independent Vae. */
async function heldoutMu(page) {
  return page.evaluate(new Function(`return (async () => { ${INDEPENDENT}
    return { mu: Array.from(vae.encode(images).mu), labels: Array.from(labels) }; })()`));
}

/** For each class, one dot with no other dot within 9 px (dots are 7 px wide) and away from the plot's edges. */
function isolatedDots(sq, { mu, labels }) {
  const p = labels.map((_, i) => sq.at([mu[2 * i], mu[2 * i + 1]]));
  const pick = [];
  for (let d = 0; d < 10; d++) {
    const i = labels.findIndex((l, j) => l === d && Math.abs(mu[2 * j]) < 3.5 && Math.abs(mu[2 * j + 1]) < 3.5
      && p.every((q, k) => k === j || Math.hypot(q[0] - p[j][0], q[1] - p[j][1]) > 9));
    assert.ok(i >= 0, `an isolated dot of class ${d}`);
    pick.push({ i, d, at: p[i] });
  }
  return pick;
}

// Mutations that turn it red: colour dots by `CLASS_COLOURS[i % 10]` instead of their label in plane.js, or
// skip the hiddenClasses test in draw() (a hidden class stays painted).
test('each dot is painted in its class colour where its mu lies, and a hidden class is really gone', async () => {
  const { page, context, errors } = await openReady(browser, server, '#z=3.9,3.9');
  const img0 = await canvasImage(page, 'latent');
  const sq = plotSquare(img0);
  const dots = isolatedDots(sq, await heldoutMu(page));
  for (const { d, at } of dots) {
    await page.locator('#legend button').nth(d).click();
    await nextFrames(page);
    const under = (await canvasImage(page, 'latent')).px(...at);
    assert.ok(colourDiff(under, PALETTE[d]) > 40, `class ${d} hidden: the pixel is no longer its colour (${under})`);
    await page.locator('#legend button').nth(d).click();
    await nextFrames(page);
    const shown = (await canvasImage(page, 'latent')).px(...at);
    // A dot is drawn at 80 % opacity over what lies under it.
    const want = [0, 1, 2].map((c) => 0.8 * PALETTE[d][c] + 0.2 * under[c]);
    assert.ok(colourDiff(shown, want) <= 3, `class ${d} at ${at.map(Math.round)}: ${shown}, want ${want.map(Math.round)}`);
  }
  // Hide classes 0-4: their dots are gone, the others' stay.
  for (let d = 0; d < 5; d++) await page.locator('#legend button').nth(d).click();
  await nextFrames(page);
  const img = await canvasImage(page, 'latent');
  for (const { d, at } of dots) {
    const near = colourDiff(img.px(...at), PALETTE[d]) < 45;
    assert.equal(near, d >= 5, `class ${d} is ${d >= 5 ? 'shown' : 'hidden'}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

/** The share of samples around a circle of `radius` px about `c` that have a pixel of `colour` nearby. */
function ringHits(img, c, radius, colour, tol) {
  let hits = 0;
  let n = 0;
  for (let deg = 0; deg < 360; deg += 2.5) {
    if (deg % 90 < 12 || deg % 90 > 78) continue; // stay off the axes, drawn in a grey near the rings'
    n++;
    const x = c[0] + radius * Math.cos((deg * Math.PI) / 180);
    const y = c[1] + radius * Math.sin((deg * Math.PI) / 180);
    let hit = false;
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) hit ||= colourDiff(img.px(x + dx, y + dy), colour) <= tol;
    if (hit) hits++;
  }
  return hits / n;
}

// Mutations that turn it red: rings at 1, 2 and 4 sigma in plane.js; the labels A and B swapped between
// the two markers.
test('the prior\'s 1, 2 and 3 sigma rings, the A and B markers and the path are painted where they belong', async () => {
  const { page, context, errors } = await openReady(browser, server, '#z=3.9,3.9&a=-2,2&b=2,-2&k=5');
  for (let d = 0; d < 10; d++) await page.locator('#legend button').nth(d).click();
  await nextFrames(page);
  let img = await canvasImage(page, 'latent');
  let sq = plotSquare(img);
  const origin = sq.at([0, 0]);
  for (const s of [1, 2, 3]) {
    const share = ringHits(img, origin, s * sq.unit, PRIOR, 40);
    assert.ok(share > 0.3, `the ${s} sigma ring: ${Math.round(100 * share)} % of its samples are ring-coloured`);
  }
  for (const s of [0.5, 1.5, 2.5, 3.5]) {
    const share = ringHits(img, origin, s * sq.unit, PRIOR, 40);
    assert.ok(share < 0.05, `no ring at ${s} sigma: ${Math.round(100 * share)} %`);
  }
  // A at (-2, 2), B at (2, -2): a white square with an ink border, and the letter inside.
  for (const [name, z] of [['A', [-2, 2]], ['B', [2, -2]]]) {
    const [x, y] = sq.at(z);
    assert.ok(colourDiff(img.px(x - 6, y - 6), WHITE) <= 2, `${name}: white inside the marker`);
    assert.ok(colourDiff(img.px(x - 9, y), INK) <= 4, `${name}: the marker's ink border`);
    assert.ok(colourDiff(img.px(x + 9, y + 3), INK) <= 4, `${name}: the marker's ink border on the right`);
    let ink = 0;
    for (let dx = -4; dx <= 4; dx++) for (let dy = -5; dy <= 5; dy++) if (colourDiff(img.px(x + dx, y + dy), INK) < 60) ink++;
    assert.ok(ink >= 6, `${name}: the letter is drawn (${ink} ink pixels)`);
  }
  // Each marker holds its own letter: its ink pixels overlap more with that letter, rendered here in a
  // scratch canvas at the same sub-pixel position, than with the other letter.
  for (const [name, other, z] of [['A', 'B', [-2, 2]], ['B', 'A', [2, -2]]]) {
    const [x, y] = sq.at(z);
    const box = (get) => Array.from({ length: 13 * 15 }, (_, i) => get(Math.floor(x) - 6 + (i % 13), Math.floor(y) - 7 + Math.floor(i / 13)));
    const marker = box((u, v) => img.px(u, v)[0] < 128);
    const refs = await page.evaluate(({ x, y }) => ['A', 'B'].map((letter) => {
      const c = document.createElement('canvas');
      c.width = Math.ceil(x) + 20;
      c.height = Math.ceil(y) + 20;
      const ctx = c.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.fillStyle = '#1d2330';
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(letter, x, y + 0.5);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      return Array.from({ length: 13 * 15 }, (_, i) => d[4 * ((Math.floor(y) - 7 + Math.floor(i / 13)) * c.width + Math.floor(x) - 6 + (i % 13))] < 128);
    }), { x, y });
    const overlap = (ref) => marker.reduce((n, m, i) => n + (m === ref[i] ? 1 : 0), 0);
    const [own, wrong] = name === 'A' ? [overlap(refs[0]), overlap(refs[1])] : [overlap(refs[1]), overlap(refs[0])];
    assert.ok(own > wrong, `the ${name} marker looks like ${name} (${own} matching pixels) more than like ${other} (${wrong})`);
  }
  // The path's inner vertices (t = 1/4, 1/2, 3/4) are ink squares; the dashes between them are ink too.
  for (const z of [[-1, 1], [0, 0], [1, -1]]) {
    assert.ok(colourDiff(img.px(...sq.at(z)), INK) <= 4, `the path's vertex at ${z}`);
  }
  let dashes = 0;
  for (let t = 0.05; t < 1; t += 0.01) {
    const [x, y] = sq.at([-2 + 4 * t, 2 - 4 * t]);
    if (colourDiff(img.px(x, y), INK) < 60) dashes++;
  }
  assert.ok(dashes >= 30, `the dashed path between A and B: ${dashes} of 95 samples are ink`);
  // Zoomed in with the + key, the same checks hold in the new view (centre kept, half-width 4 / 1.5).
  await page.locator('#latent').focus();
  await page.keyboard.press('+');
  await nextFrames(page);
  img = await canvasImage(page, 'latent');
  sq = plotSquare(img, { cx: 0, cy: 0, half: 4 / 1.5 });
  assert.ok(colourDiff(img.px(...sq.at([-1, 1])), INK) <= 4, 'the vertex at (-1, 1) after zooming in');
  assert.ok(ringHits(img, sq.at([0, 0]), sq.unit, PRIOR, 40) > 0.3, 'the 1 sigma ring after zooming in');
  assert.deepEqual(errors, []);
  await context.close();
});
