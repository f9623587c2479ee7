// Shared e2e set-up: a real `vae serve` on a free loopback port, and Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where tests write the files they make (downloads, oversized weights); not committed. */
export function artifactsDir() {
  const dir = join(ROOT, 'tests', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}
const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');

/** Starts `vae serve` on 127.0.0.1 with a port the OS picks; resolves to { url, stop, log }. */
export async function startServer() {
  const proc = spawn(VAE, ['serve', '--addr', '127.0.0.1:0', '--web', join(ROOT, 'web'), '--pkg', join(ROOT, 'pkg')], {
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

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page that records console errors and uncaught exceptions into `errors`. */
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 }, ...options });
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
