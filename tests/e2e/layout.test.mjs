// The layout on a phone (390 and 320 CSS pixels, mobile emulation) and on a 1920-pixel projector: every
// view and panel, opened and used, fits the width the test asked for without sideways scrolling.
// Mutation that turns it red: drop `flex-wrap: wrap` from `.controls label` in style.css (the "Import
// weights" row then runs to x = 456 on a 390-px phone, and the browser widens innerWidth to 456).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, nextFrames, drawOnPad, assertFits } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const SHOTS = join(ROOT, 'tests', 'screenshots');

/** Opens every view and panel in turn, uses it, and checks the width after each. */
async function everyView(page, width) {
  await assertFits(page, width, 'on load, strips shown');
  // A held-out digit in the inspector (a tap on a dot).
  await page.locator('#latent').scrollIntoViewIfNeeded();
  const box = await page.locator('#latent').boundingBox();
  const dot = await page.evaluate(() => window.vaeExplorer.plane.toPx(Array.from(window.vaeExplorer.dotsMu.subarray(0, 2))));
  await page.touchscreen.tap(box.x + dot[0], box.y + dot[1]);
  await nextFrames(page);
  await assertFits(page, width, 'a held-out digit inspected');
  // The drawing pad with the most samples.
  await page.locator('#pad-m').fill('16');
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  assert.equal(await page.locator('#pad-samples-fig').isVisible(), true);
  await assertFits(page, width, 'the pad with 16 samples');
  // A notice and an error message (the weights file's picker is on the train page).
  await page.locator('#a-index').fill('5000');
  await page.locator('#a-index').dispatchEvent('change');
  assert.equal(await page.locator('#notice').isVisible(), true);
  await page.locator('#page-train').click();
  await page.locator('#weights-file').setInputFiles({ name: 'a-rather-long-file-name-for-a-phone-screen.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('nope') });
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  await assertFits(page, width, 'a notice and an error shown');
  // Training, with its live views.
  await page.locator('#train-play').click();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 5, null, { timeout: 60_000 });
  await page.locator('#train-play').click();
  await page.waitForFunction(() => document.body.dataset.training === 'off');
  await nextFrames(page);
  await assertFits(page, width, 'training views');
  // The compare page: the twin view, the prior's samples and the corruption bench.
  await page.locator('#page-compare').click();
  await page.waitForFunction(() => window.vaeExplorer.state.twinSubjects?.every(Boolean));
  await nextFrames(page);
  await assertFits(page, width, 'the compare page');
  // The anomaly lab, scored; the own-images panel with a contact sheet and a skipped file's long reason.
  await page.locator('#page-lab').click();
  await page.waitForFunction(() => document.body.dataset.labDone, null, { timeout: 60_000 });
  await nextFrames(page);
  await assertFits(page, width, 'the anomaly lab');
  await page.locator('#page-train').click();
  await page.locator('#own-files').setInputFiles([
    { name: 'a-rather-long-file-name-for-a-phone-screen-that-is-not-a-picture.png', mimeType: 'image/png', buffer: Buffer.from('text') },
    { name: 'tiny.npy', mimeType: 'application/octet-stream', buffer: npy(40) },
  ]);
  await page.waitForFunction(() => document.body.dataset.ownImages === '40' && !window.vaeExplorer.app.own.reading);
  await assertFits(page, width, 'your own images: the contact sheet and a skipped file');
  // The grid at its largest.
  await page.locator('#page-explore').click();
  await page.locator('#view-grid').click();
  await page.locator('#grid-n').fill('30');
  await nextFrames(page);
  await assertFits(page, width, 'the 30 x 30 grid');
  await page.locator('#view-map').click();
  // The keys overlay, then presenter mode.
  await page.locator('#help-btn').click();
  assert.equal(await page.locator('#help').isVisible(), true);
  await assertFits(page, width, 'the keys overlay');
  await page.locator('#help-close').click();
  await page.locator('#presenter-btn').click();
  await nextFrames(page);
  await assertFits(page, width, 'presenter mode');
  await page.locator('#presenter-btn').click();
}

/** An .npy file of n 28 x 28 uint8 images, written from NumPy's format description (version 1.0). */
function npy(n) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 28, 28), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1')]);
  return Buffer.concat([head, Buffer.from(Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256))]);
}

for (const width of [390, 320]) {
  test(`on a ${width}-px phone every view fits, and a tap moves the point`, async () => {
    const { page, context, errors } = await openReady(browser, server, '#a=-1.5,1&b=1.5,-0.5&k=20',
      { viewport: { width, height: 844 }, hasTouch: true, isMobile: true });
    const map = await page.evaluate(() => { const r = document.getElementById('latent').getBoundingClientRect(); return [r.left, r.right, r.width]; });
    assert.ok(map[0] >= 0 && map[1] <= width && map[2] >= 0.8 * width - 40, `map at ${map}`);
    await page.locator('#latent').scrollIntoViewIfNeeded();
    const box = await page.locator('#latent').boundingBox();
    await page.touchscreen.tap(box.x + box.width * 0.75, box.y + box.height * 0.25);
    await nextFrames(page);
    const z = await page.evaluate(() => window.vaeExplorer.state.z);
    assert.ok(z[0] > 0.5 && z[1] > 0.5, `a tap up and to the right moved the point to ${z}`);
    if (width === 390) await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    await everyView(page, width);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('on a 1920-px projector every view fits, and every control has an accessible name', async () => {
  const { page, context, errors } = await openReady(browser, server, '#a=-1.5,1&b=1.5,-0.5&k=20', { viewport: { width: 1920, height: 1080 }, hasTouch: true });
  const map = await page.evaluate(() => { const r = document.getElementById('latent').getBoundingClientRect(); return [r.top, r.bottom, r.width]; });
  assert.ok(map[1] <= 1080 && map[2] >= 700, `the map fits the screen's height and is large: ${map}`);
  // What a screen reader announces: every control has a name (its text, its <label>, or aria-label).
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, canvas[tabindex], a[href]')]
    .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()))
    .map((el) => el.id || el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], 'controls without an accessible name');
  await page.screenshot({ path: join(SHOTS, 'projector.png') });
  await everyView(page, 1920);
  assert.deepEqual(errors, []);
  await context.close();
});
