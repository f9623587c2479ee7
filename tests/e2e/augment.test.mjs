// Augmentation export: the zoo's CVAE generates N images a class; the IDX files hold decode(z, y) of the
// draws the page documents (app/random.js's normals, class after class), as an independent Model in the page
// computes them; `vae train` trains on the folder, and "Your own images" reads the pair back byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openPage, waitReady } from './harness.mjs';
import { normals } from '../../web/js/app/random.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');
const waitFor = (page, fn, arg, timeout = 30_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

async function download(page, selector, dir) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const path = join(dir, d.suggestedFilename());
  copyFileSync(await d.path(), path);
  return { path, bytes: readFileSync(path), name: d.suggestedFilename() };
}

// Mutation that turns it red: decode every class with label 0 (augment.js's s.decode(..., y)), or write the
// IDX dimensions little-endian (data.js's idxBytes).
test('a CVAE generates N images a class: IDX files of decode(z, y) that vae train and the page read back, and a PNG sheet', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#page=lab&model=vae-2d`);
  assert.equal(await waitReady(page), 'ready');
  // A VAE takes no label: the panel says so and offers the zoo's CVAE.
  assert.equal(await page.locator('#aug-make').isDisabled(), true);
  assert.match(await page.locator('#aug-info').textContent(), /needs a conditional VAE/);
  await page.locator('#aug-use-cvae').click();
  await waitFor(page, () => window.vaeExplorer.subject?.id === 'cvae-2d');
  const n = 30;
  const seed = 5;
  await page.locator('#aug-n').fill(String(n));
  await page.locator('#aug-seed').fill(String(seed));
  await page.locator('#aug-make').click();
  await waitFor(page, () => document.body.dataset.augmented === '300');
  const dir = join(artifactsDir(), 'augmented');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const images = await download(page, '#aug-idx-images', dir);
  const labels = await download(page, '#aug-idx-labels', dir);
  assert.deepEqual([images.name, labels.name], ['train-images.idx3-ubyte', 'train-labels.idx1-ubyte']);
  // The headers, read here by the IDX format's definition.
  assert.deepEqual([...images.bytes.subarray(0, 4)], [0, 0, 8, 3]);
  assert.deepEqual([images.bytes.readUInt32BE(4), images.bytes.readUInt32BE(8), images.bytes.readUInt32BE(12)], [300, 28, 28]);
  assert.deepEqual([...labels.bytes.subarray(0, 4)], [0, 0, 8, 1]);
  assert.equal(labels.bytes.readUInt32BE(4), 300);
  const wantLabels = Array.from({ length: 300 }, (_, i) => Math.floor(i / n));
  assert.deepEqual([...labels.bytes.subarray(8)], wantLabels);
  // The pixels: an independent Model decodes the documented draws with each label.
  const z = Array.from(normals(300 * 2, seed));
  const want = await page.evaluate(async ({ z, n }) => {
    const { default: init, Model } = await import('/pkg/vae_wasm.js');
    await init();
    const m = new Model(new Uint8Array(await (await fetch('/models/mnist-cvae-2d.safetensors')).arrayBuffer()));
    const out = [];
    for (let y = 0; y < 10; y++) {
      const p = m.decode(Float32Array.from(z.slice(y * n * 2, (y + 1) * n * 2)), new Uint8Array(n).fill(y));
      out.push(...Array.from(p, (v) => Math.round(v * 255)));
    }
    m.free();
    return out;
  }, { z, n });
  assert.deepEqual([...images.bytes.subarray(16)], want);
  // `vae train` reads the folder (all 300: 270 to train on, 30 for validation).
  const run = spawnSync(VAE, ['train', '--data', dir, '--family', 'cvae', '--epochs', '1', '--val', '30', '--out', join(dir, 'trained.safetensors')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /on 270 images, validating on 30/);
  assert.ok(readFileSync(join(dir, 'trained.safetensors')).length > 1000, 'the weights were written');
  // The page's "Your own images" reads the pair back, byte for byte, with the labels.
  await page.locator('#page-train').click();
  await page.locator('#own-files').setInputFiles([images.path, labels.path]);
  await waitFor(page, () => document.body.dataset.ownImages === '300' && !window.vaeExplorer.app.own.reading);
  const back = await page.evaluate(() => {
    const r = window.vaeExplorer.app.own.result;
    return { images: Array.from(r.images), labels: Array.from(r.labels), skipped: r.skipped.length };
  });
  assert.deepEqual(back.labels, wantLabels);
  assert.deepEqual(back.images, want);
  assert.equal(back.skipped, 0);
  // The PNG sheet: 10 rows of 20, 1920 pixels wide.
  await page.locator('#page-lab').click();
  const png = await download(page, '#aug-png', dir);
  assert.deepEqual([...png.bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(png.bytes.readUInt32BE(16), 1920);
  assert.deepEqual(errors, []);
  await context.close();
});
