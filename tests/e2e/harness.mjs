// Shared e2e set-up: a real `vae serve` on a free loopback port, and Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where tests write the files they make (downloads, oversized weights); not committed. */
export function artifactsDir() {
  const dir = join(ROOT, 'tests', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}
const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');

/** Starts `vae serve` on 127.0.0.1 with a port the OS picks (of the repository's page, or of the folders
 *  given); resolves to { url, stop, log }. */
export async function startServer({ web = join(ROOT, 'web'), pkg = join(ROOT, 'pkg') } = {}) {
  const proc = spawn(VAE, ['serve', '--addr', '127.0.0.1:0', '--web', web, '--pkg', pkg], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  proc.stderr.on('data', (d) => log.push(...d.toString().trim().split('\n')));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`vae serve exited with ${code}: ${log.join('\n')}`)));
    setTimeout(() => reject(new Error('vae serve did not start within 10 s')), 10_000);
  });
  return {
    url,
    log,
    async stop() {
      proc.kill();
      await once(proc, 'exit');
    },
  };
}

/** The page's and the training worker's wasm files (paths under the site) for the build the page runs
 *  (body[data-wasm]: relaxed SIMD in this Chromium; see web/js/wasm-build.js). */
export async function wasmFilesOf(page) {
  const build = (await page.evaluate(() => document.body.dataset.wasm)) === 'relaxed' ? '_relaxed' : '';
  return [`pkg/vae_wasm${build}_bg.wasm`, `pkg/vae_train${build}_bg.wasm`];
}

/** Debian's Chromium, headless; `extra` adds command-line switches. */
export async function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', ...extra],
  });
}

/** A page that records console errors and uncaught exceptions into `errors`. */
export async function openPage(browser, url, options = {}) {
  // The service worker downloads the whole site for offline use: only the offline test lets it run.
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 }, serviceWorkers: 'block', ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (url) await page.goto(url);
  return { page, context, errors };
}

export async function waitReady(page) {
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
  return page.evaluate(() => document.body.dataset.state);
}

/** Resolves after two animation frames, so a queued decode has been painted. */
export function nextFrames(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Resolves once the grid drawn is the one the page's state asks for (its decode is shared with a helper
 *  worker, so it may land after the frame that asked for it). */
export async function gridPainted(page) {
  await nextFrames(page);
  await page.waitForSelector('#manifold[data-pending="false"]', { state: 'attached', timeout: 10_000 });
  await nextFrames(page);
}

/** The z the page displays (full precision from data attributes) and `vae.decode` of it, computed by a
 *  second, independent Vae built in the page from the same weights file. */
export function independentDecodeOfDisplayedZ(page) {
  return page.evaluate(async () => {
    const { default: init, Vae } = await import('/pkg/vae_wasm.js');
    await init();
    const bytes = new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer());
    const vae = new Vae(bytes);
    const el = document.getElementById('z-readout');
    const z = [Number(el.dataset.z1), Number(el.dataset.z2)];
    const probs = vae.decode(Float32Array.from(z));
    vae.free();
    return { z, text: el.textContent, expected: Array.from(probs, (p) => Math.round(p * 255)) };
  });
}

/** Opens the page (optionally with a hash), waits until it is ready, and returns { page, context, errors }. */
export async function openReady(browser, server, hash = '', options = {}) {
  const opened = await openPage(browser, server.url + hash, options);
  const state = await waitReady(opened.page);
  if (state !== 'ready') throw new Error(`page state ${state}: ${await opened.page.locator('#error').textContent()}`);
  await nextFrames(opened.page);
  return opened;
}

/** In the page: an independent Vae from the same weights file, and the held-out digits parsed again. */
export const INDEPENDENT = `
  const { default: init, Vae } = await import('/pkg/vae_wasm.js');
  await init();
  const vae = new Vae(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
  const bytes = new Uint8Array(await (await fetch('/data/heldout-images.idx3-ubyte')).arrayBuffer()).subarray(16);
  const labels = new Uint8Array(await (await fetch('/data/heldout-labels.idx1-ubyte')).arrayBuffer()).subarray(8);
  const images = Float32Array.from(bytes, (b) => b / 255);
`;

/** Grey values 0-255 of a canvas region of w x h pixels. */
export function canvasGrey(page, id, x = 0, y = 0, w = 28, h = 28) {
  return page.evaluate(({ id, x, y, w, h }) => {
    const d = document.getElementById(id).getContext('2d').getImageData(x, y, w, h).data;
    return Array.from({ length: w * h }, (_, i) => d[4 * i]);
  }, { id, x, y, w, h });
}

export const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Draws polylines on the drawing pad with the mouse; points are fractions of the pad's width and height. */
export async function drawOnPad(page, strokes) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  for (const stroke of strokes) {
    await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 4 });
    await page.mouse.up();
  }
  await nextFrames(page);
}

/** What sticks out past `width` CSS pixels, the width the test asked for. Never compare with the page's
 *  own innerWidth: under mobile emulation the browser widens the layout viewport to fit a page that
 *  overflows, so innerWidth grows with the bug. Returns { innerWidth, scrollWidth, wide: [what sticks out] }. */
export function overflow(page, width) {
  return page.evaluate((width) => {
    const name = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`;
    // A long formula scrolls sideways inside its own box (.lesson-math): the box is checked, not the formula.
    const scrolled = (el) => el.closest('math') !== null;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.right > width + 0.5 && !scrolled(el);
    });
    return { innerWidth, scrollWidth: document.scrollingElement.scrollWidth, wide: wide.slice(0, 10).map((el) => `${name(el)} to x = ${Math.round(el.getBoundingClientRect().right)}`) };
  }, width);
}

/** Fails unless the page, as it is now, fits `width` CSS pixels without sideways scrolling. */
export async function assertFits(page, width, what) {
  const f = await overflow(page, width);
  assert.equal(f.innerWidth, width, `${what}: the browser widened the layout viewport from ${width} to ${f.innerWidth} px to fit: ${f.wide.join('; ')}`);
  assert.ok(f.scrollWidth <= width, `${what}: the page scrolls sideways (${f.scrollWidth} > ${width}): ${f.wide.join('; ')}`);
  assert.deepEqual(f.wide, [], `${what}: elements past the right edge`);
}

/** The tensors of an f32 safetensors file (what the page's "Download weights" writes), parsed here from the
 *  format's own definition: an 8-byte little-endian header length, a JSON header, the data. */
export function readF32Safetensors(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString());
  const data = buf.subarray(8 + n);
  const tensors = {};
  const shapes = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.equal(t.dtype, 'F32', name);
    const [a, b] = t.data_offsets;
    const bytes = Uint8Array.from(data.subarray(a, b));
    tensors[name] = new Float32Array(bytes.buffer);
    shapes[name] = t.shape;
  }
  return { metadata: header.__metadata__, tensors, shapes };
}

/** A safetensors file of f32 tensors, { name: [shape, Float32Array] }, with optional string metadata: the
 *  format as its specification gives it (an 8-byte little-endian header length, the JSON header padded with
 *  spaces to a multiple of 8, the data), written here independently of the Rust writer. */
export function writeF32Safetensors(tensors, metadata) {
  const header = metadata ? { __metadata__: metadata } : {};
  const parts = [];
  let at = 0;
  for (const [name, [shape, data]] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape, data_offsets: [at, at + data.byteLength] };
    at += data.byteLength;
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...parts]);
}

/** The largest |a - b| over every parameter of two parsed files with the same tensors. */
export function largestChange(a, b) {
  let worst = 0;
  for (const [name, t] of Object.entries(a.tensors)) {
    const u = b.tensors[name];
    for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(t[i] - u[i]));
  }
  return worst;
}

/** A canvas's pixels as read back from the page: { w, h, px(x, y) -> [r, g, b, a] } (device pixels). */
export async function canvasImage(page, id) {
  const { w, h, b64 } = await page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { w: c.width, h: c.height, b64: btoa(s) };
  }, id);
  const data = Buffer.from(b64, 'base64');
  const px = (x, y) => {
    const i = 4 * (Math.floor(y) * w + Math.floor(x));
    return [data[i], data[i + 1], data[i + 2], data[i + 3]];
  };
  return { w, h, px };
}

/** '#rrggbb' -> [r, g, b] */
export const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
/** The largest channel difference between two colours. */
export const colourDiff = (a, b) => Math.max(...[0, 1, 2].map((i) => Math.abs(a[i] - b[i])));

const BORDER = rgb('#dde1e8'); // the map's --line colour, its 1-px border

/** The plot square, from its border: the first row of border colour down the canvas's middle column, then
 *  the run of border colour along that row. Returns a z -> pixel map for a view of half-width `half`. */
export function plotSquare(img, view = { cx: 0, cy: 0, half: 4 }) {
  const mid = Math.floor(img.w / 2);
  let top = 0;
  while (top < img.h && colourDiff(img.px(mid, top), BORDER) > 3) top++;
  let left = 0;
  while (left < img.w && colourDiff(img.px(left, top), BORDER) > 3) left++;
  let right = img.w - 1;
  while (right > left && colourDiff(img.px(right, top), BORDER) > 3) right--;
  const size = right - left + 1;
  assert.ok(size > 200 && top < 40, `plot square found at (${left}, ${top}), ${size} px`);
  const unit = size / (2 * view.half);
  return {
    size, unit,
    at: ([z1, z2]) => [left + (z1 - view.cx + view.half) * unit, top + (view.cy + view.half - z2) * unit],
  };
}

/** Takes the page through every page and view, in the states a user brings them to (a drawing, an
 *  interpolation, the grid, the keys overlay, a CVAE and an 8-D model, compare, the lab scored, your own images
 *  read and a few training steps, presenter mode and the lab's reverse case), and awaits visit(where) at each. */
export async function tour(page, visit) {
  await visit('explore, map');
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await page.locator('#a-index').fill('3');
  await page.locator('#a-index').dispatchEvent('change');
  await page.locator('#b-index').fill('600');
  await page.locator('#b-index').dispatchEvent('change');
  await visit('explore, drawing and interpolation');
  await page.locator('#view-grid').click();
  await visit('explore, grid');
  await page.locator('#view-map').click();
  await page.locator('#help-btn').click();
  await visit('the keys overlay');
  await page.locator('#help-close').click();
  await page.locator('#model-select').selectOption('cvae-2d');
  await page.waitForFunction(() => window.vaeExplorer.state.subject?.id === 'cvae-2d');
  await visit('explore, a CVAE');
  await page.locator('#model-select').selectOption('vae-8d');
  await page.waitForFunction(() => window.vaeExplorer.state.subject?.id === 'vae-8d');
  await visit('explore, an 8-D VAE');
  await page.locator('#page-compare').click();
  await page.waitForFunction(() => window.vaeExplorer.state.twinSubjects?.every(Boolean));
  await visit('compare');
  await page.locator('#page-lab').click();
  await page.waitForFunction(() => document.body.dataset.labDone, null, { timeout: 60_000 });
  await visit('lab');
  await page.locator('#page-train').click();
  await page.locator('#own-files').setInputFiles([
    { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') },
    { name: 'shot.png', mimeType: 'image/png', buffer: readFileSync(join(ROOT, 'tests', 'screenshots', 'explorer.png')) },
  ]);
  await page.waitForFunction(() => document.body.dataset.ownImages === '1' && !window.vaeExplorer.app.own.reading);
  await page.locator('#train-play').click();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 3, null, { timeout: 60_000 });
  await page.locator('#train-play').click();
  await page.waitForFunction(() => document.body.dataset.training === 'off');
  await visit('train, with your own images read');
  await page.locator('#page-explore').click();
  await page.locator('#presenter-btn').click();
  await visit('presenter mode');
  // Presenter mode is dark: the lab's reverse-case note must stay readable there (colour contrast).
  await page.locator('#page-lab').click();
  await page.locator('#lab-reverse-show').click();
  await page.waitForFunction(() => !document.getElementById('lab-reverse').hidden, null, { timeout: 60_000 });
  await visit('presenter mode, the lab\'s reverse case');
}

/** Takes the page through the lesson, presenter mode off: each step as it opens and once its answer is
 *  revealed; then the last step again in presenter mode. Awaits visit(where) at each. */
export async function lessonTour(page, visit) {
  if (await page.locator('#presenter-btn').getAttribute('aria-pressed') === 'true') await page.locator('#presenter-btn').click();
  await page.locator('#page-lessons').click();
  const steps = await page.locator('#lesson-steps button').count();
  for (let n = 1; n <= steps; n++) {
    await page.locator('#lesson-steps button').nth(n - 1).click();
    await page.waitForFunction((n) => document.body.dataset.lessonReady === String(n), n, { timeout: 60_000 });
    await visit(`lesson step ${n}`);
    await page.locator('#lesson-reveal').click();
    await page.waitForFunction((n) => document.body.dataset.lessonRevealed === String(n), n, { timeout: 120_000 });
    await visit(`lesson step ${n}, revealed`);
  }
  await page.locator('#presenter-btn').click();
  await visit('the last lesson step in presenter mode');
}
