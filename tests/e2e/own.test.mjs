// "Your own images": real PNG files written here from held-out Fashion-MNIST images (by a PNG encoder in this
// file, not the page's), .npy files written by NumPy, IDX files, and broken files of each kind, chosen through
// the page's file inputs or dropped on it. Expected pixels come from the IDX files on disk; expected labels
// from the file names the test gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { deflateSync, crc32 } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openPage, waitReady } from './harness.mjs';
import { resize, toMnist, centreOfMass, inkBox } from '../../web/js/app/preprocess.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const waitFor = (page, fn, arg, timeout = 30_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });
const PY = process.env.VAE_PYTHON ?? 'python3';

/** The held-out Fashion-MNIST images and labels, from the IDX files on disk. */
function fashionHeldout() {
  const dir = join(ROOT, 'web', 'data', 'fashion-mnist');
  const images = readFileSync(join(dir, 'heldout-images.idx3-ubyte')).subarray(16);
  const labels = readFileSync(join(dir, 'heldout-labels.idx1-ubyte')).subarray(8);
  return { images, labels, image: (i) => images.subarray(i * 784, (i + 1) * 784) };
}

/** A PNG of a w x h picture with `channels` bytes a pixel (1 grey, 3 RGB, 4 RGBA), written from the spec. */
function png(pixels, w, h, channels = 1) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = { 1: 0, 3: 2, 4: 6 }[channels];
  const rows = Buffer.alloc(h * (1 + w * channels));
  for (let y = 0; y < h; y++) Buffer.from(pixels.subarray(y * w * channels, (y + 1) * w * channels)).copy(rows, y * (1 + w * channels) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** IDX bytes: images (n x 28 x 28) or labels (n). */
function idx(data, dims) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 8;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** Runs NumPy to write .npy files: `code` sees np and `out` (a folder). */
function numpy(code, out) {
  execFileSync(PY, ['-c', `import numpy as np, sys\nout = sys.argv[1]\n${code}`, out]);
}

/** An empty folder of tests/artifacts for a test's files. */
function freshDir(name) {
  const dir = join(artifactsDir(), name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function openTrain() {
  const { page, context, errors } = await openPage(browser, `${server.url}#page=train`);
  assert.equal(await waitReady(page), 'ready');
  return { page, context, errors };
}

const summary = (page) => page.locator('#own-summary').textContent();
const skipped = (page) => page.evaluate(() => Object.fromEntries(window.vaeExplorer.app.own.result?.skipped.map((s) => [s.name, s.reason]) ?? []));

// Mutation that turns it red: take the labels from the folder when all the files are in one folder
// (pictureLabels's ">= 2"). (Resizing a 28 x 28 picture to 28 x 28 is the identity, so that shortcut is not one.)
test('a folder of real PNG files from held-out Fashion-MNIST: exact pixels, labels from names, trained 300 steps, then explored', async () => {
  const { page, context, errors } = await openTrain();
  const heldout = fashionHeldout();
  // 40 images of each class (held-out is stored class by class, 100 a class), named "<label>_<i>.png".
  const dir = freshDir('own-fashion');
  const picked = [];
  for (let c = 0; c < 10; c++) for (let k = 0; k < 40; k++) picked.push(c * 100 + k);
  for (const i of picked) writeFileSync(join(dir, `${heldout.labels[i]}_${String(i).padStart(4, '0')}.png`), png(heldout.image(i), 28, 28));
  // And two files a real folder might hold: skipped, with their reasons, and the rest loads.
  writeFileSync(join(dir, 'notes.txt'), 'where these came from\n');
  writeFileSync(join(dir, 'Thumbs.db'), Buffer.alloc(0));
  await page.locator('#own-folder').setInputFiles(dir);
  await waitFor(page, () => Number(document.body.dataset.ownImages) > 0 && !window.vaeExplorer.app.own.reading);
  assert.match(await summary(page), /^400 images read, in 10 classes \(0 ×40, 1 ×40, .*9 ×40\)\./);
  // The page holds exactly the pixels written, in the files' order, with the labels their names give.
  const got = await page.evaluate(() => {
    const r = window.vaeExplorer.app.own.result;
    return { images: Array.from(r.images), labels: Array.from(r.labels), classes: r.classes, inverted: r.inverted };
  });
  assert.equal(got.inverted, 0, 'light-on-dark pictures are not inverted');
  assert.deepEqual(got.labels, picked.map((i) => heldout.labels[i]));
  for (let r = 0; r < picked.length; r++) {
    assert.deepEqual(got.images.slice(r * 784, (r + 1) * 784), Array.from(heldout.image(picked[r])), `image ${picked[r]}`);
  }
  assert.deepEqual(got.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // The contact sheet shows them, 20 a row, at 1:1.
  const sheet = await page.evaluate(() => {
    const c = document.getElementById('own-sheet');
    return { w: c.width, h: c.height, hidden: c.hidden, first: Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)) };
  });
  assert.deepEqual([sheet.w, sheet.h, sheet.hidden], [20 * 28, 12 * 28, false]);
  assert.deepEqual(sheet.first, Array.from(heldout.image(picked[0])));
  assert.deepEqual(Object.keys(await skipped(page)).sort(), ['own-fashion/Thumbs.db', 'own-fashion/notes.txt']);
  await page.locator('.own-panel').screenshot({ path: join(ROOT, 'tests', 'screenshots', 'own-images.png') });
  // Train a VAE on them in the worker: 360 training images, 40 held out; 300 steps of batch 100.
  await page.locator('#own-train').click();
  await waitFor(page, () => window.vaeExplorer.training.settings?.dataset === 'own', null, 60_000);
  const first = await page.evaluate(() => JSON.parse(document.getElementById('train-chart').dataset.heldout));
  assert.equal(first.length, 1);
  assert.equal(first[0][0], 0, 'the fresh model is measured on the held-out share at step 0');
  // The worker sends the reference after 'ready': none for your own images (the zoo has no model of them).
  await waitFor(page, () => document.getElementById('train-chart').dataset.reference !== undefined);
  assert.equal(await page.locator('#train-chart').getAttribute('data-reference'), '', 'no pretrained band for your own images');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 300, null, 120_000);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  assert.equal(await page.evaluate(() => window.vaeExplorer.training.n), 360);
  const curve = await page.evaluate(() => JSON.parse(document.getElementById('train-chart').dataset.heldout));
  const last = curve.at(-1);
  assert.ok(last[0] >= 300, `evaluated after the last step (${last[0]})`);
  assert.ok(last[1] < first[0][1] - 100, `held-out loss falls: ${first[0][1].toFixed(1)} -> ${last[1].toFixed(1)} nats`);
  // Explore it: its map shows the 40 held-out images, with the labels from the names.
  await page.locator('#train-use').click();
  await waitFor(page, () => window.vaeExplorer.state.subject?.dataset === 'own' && document.body.dataset.shown === 'explore');
  const explored = await page.evaluate(() => ({ n: window.vaeExplorer.subject.heldout.n, dots: window.vaeExplorer.dotsMu.length, labels: Array.from(window.vaeExplorer.subject.heldout.labels) }));
  assert.equal(explored.n, 40);
  assert.equal(explored.dots, 80);
  assert.ok(explored.labels.every((l, i, a) => i === 0 || a[i - 1] <= l), 'held out in the folder\'s order');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: sniff by the file's name (a text file named .png reaches the decoder and is
// called corrupt), or drop the count check of an IDX pair in readDrop.
test('bad files in one drop: each is skipped with its reason, the good one loads, and one image is not a data set', async () => {
  const { page, context, errors } = await openTrain();
  const dir = freshDir('own-bad');
  const good = fashionHeldout().image(7);
  writeFileSync(join(dir, 'good.png'), png(good, 28, 28));
  writeFileSync(join(dir, 'corrupt.png'), Buffer.concat([png(good, 28, 28).subarray(0, 40), Buffer.alloc(30, 7)]));
  writeFileSync(join(dir, 'empty.png'), Buffer.alloc(0));
  writeFileSync(join(dir, 'notes.png'), 'these are my notes, not a picture\n');
  numpy(`np.save(out + '/int64.npy', np.zeros((3, 28, 28), dtype=np.int64))
np.save(out + '/shape.npy', np.zeros((3, 32, 32), dtype=np.float32))`, dir);
  writeFileSync(join(dir, 'bad-images.idx3-ubyte'), idx(new Uint8Array(5 * 784), [5, 28, 28]));
  writeFileSync(join(dir, 'bad-labels.idx1-ubyte'), idx(new Uint8Array(4), [4]));
  const names = ['good.png', 'corrupt.png', 'empty.png', 'notes.png', 'int64.npy', 'shape.npy', 'bad-images.idx3-ubyte', 'bad-labels.idx1-ubyte'];
  await page.locator('#own-files').setInputFiles(names.map((n) => join(dir, n)));
  await waitFor(page, () => document.body.dataset.ownImages === '1' && !window.vaeExplorer.app.own.reading);
  const why = await skipped(page);
  assert.deepEqual(Object.keys(why).sort(), names.filter((n) => n !== 'good.png').sort());
  assert.match(why['corrupt.png'], /PNG data could not be decoded/);
  assert.match(why['empty.png'], /empty \(0 bytes\)/);
  assert.match(why['notes.png'], /not a PNG, JPEG, WebP, \.npy or IDX file, although its name ends in \.png/);
  assert.match(why['int64.npy'], /dtype is <i8; this page reads uint8/);
  assert.match(why['shape.npy'], /shape is \(3, 32, 32\), not 28 x 28 images/);
  assert.match(why['bad-images.idx3-ubyte'], /holds 5 images but bad-labels\.idx1-ubyte holds 4 labels/);
  assert.match(await page.locator('#own-skipped-title').textContent(), /^7 files skipped$/);
  assert.equal(await page.locator('#own-skipped li').count(), 7);
  // The one good picture is there, exactly; but one image cannot be split into training and held-out.
  assert.deepEqual(await page.evaluate(() => Array.from(window.vaeExplorer.app.own.result.images)), Array.from(good));
  assert.match(await summary(page), /One image is not enough to train on: at least 2 are needed/);
  assert.equal(await page.locator('#own-train').isDisabled(), true);
  // The explorer is untouched.
  await page.locator('#page-explore').click();
  assert.equal(await page.evaluate(() => window.vaeExplorer.subject.id), 'vae-2d');
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: check the drop's total size after reading the files (readDrop), or keep no
// cap on the images (LIMITS.images).
test('a 2 GB drop is refused before anything is read and what was loaded stays; more images than the cap are cut to it', async () => {
  const { page, context, errors } = await openTrain();
  const dir = freshDir('own-big');
  // 20,001 images in one uint8 .npy (15.7 MB), with labels nowhere: unlabelled.
  numpy(`rng = np.random.default_rng(3)
np.save(out + '/many.npy', rng.integers(0, 256, size=(20001, 28, 28), dtype=np.uint8))`, dir);
  const many = readFileSync(join(dir, 'many.npy'));
  await page.locator('#own-files').setInputFiles(join(dir, 'many.npy'));
  await waitFor(page, () => Number(document.body.dataset.ownImages) > 0 && !window.vaeExplorer.app.own.reading, null, 60_000);
  assert.equal(await page.evaluate(() => document.body.dataset.ownImages), '20000');
  assert.match(await summary(page), /20,000 images read, unlabelled\. 20,001 images were found; the first 20,000 were kept \(the cap\)\./);
  const tail = await page.evaluate(() => Array.from(window.vaeExplorer.app.own.result.images.subarray(19999 * 784)));
  const header = many.readUInt16LE(8) + 10;
  assert.deepEqual(tail, Array.from(many.subarray(header + 19999 * 784, header + 20000 * 784)), 'the kept images are the first 20,000, exactly');
  // A sparse 2 GB file: nothing of it is on disk, so any read of it would be slow and would show zeros.
  const huge = join(dir, 'huge.npy');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 2 * 1024 ** 3);
  closeSync(fd);
  await page.locator('#own-files').setInputFiles(huge);
  await waitFor(page, () => /The drop is 2048 MB/.test(document.getElementById('error').textContent));
  assert.match(await page.locator('#error').textContent(), /more than this page reads at once \(256 MB\)\. Nothing was read/);
  assert.equal(await page.evaluate(() => document.body.dataset.ownImages), '20000', 'the set read before is kept');
  assert.match(await summary(page), /^20,000 images read/);
  assert.equal(await page.locator('#own-train').isDisabled(), false);
  rmSync(huge);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: route every drop to the weights importer (models.js), or never invert.
test('dropped on the page: pictures go to the train page, dark-on-light ones of any size are inverted and fitted, and a CVAE of unlabelled images is refused', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  assert.equal(await waitReady(page), 'ready');
  // Two 56 x 56 RGB pictures, black ink on white, in two folders: the folders are their labels.
  const img = fashionHeldout().image(3);
  const big = new Uint8Array(56 * 56 * 3);
  for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big.fill(255 - img[(y >> 1) * 28 + (x >> 1)], (y * 56 + x) * 3, (y * 56 + x) * 3 + 3);
  const b64 = png(big, 56, 56, 3).toString('base64');
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'a.png', { type: 'image/png' }));
    dt.items.add(new File([bytes], 'b.png', { type: 'image/png' }));
    for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64);
  await waitFor(page, () => document.body.dataset.ownImages === '2' && !window.vaeExplorer.app.own.reading);
  assert.equal(await page.evaluate(() => document.body.dataset.shown), 'train', 'a drop of images opens the train page');
  const r = await page.evaluate(() => ({ inverted: window.vaeExplorer.app.own.result.inverted, first: Array.from(window.vaeExplorer.app.own.result.images.subarray(0, 784)) }));
  assert.equal(r.inverted, 2);
  // Each 2 x 2 block of the picture was one pixel: inverted and halved, it is the original image.
  assert.deepEqual(r.first, Array.from(img));
  assert.match(await summary(page), /2 images read, unlabelled\. 2 dark-on-light pictures were inverted/);
  assert.equal(await page.locator('#own-train').isDisabled(), false);
  // A nonsense setting: a conditional VAE of unlabelled images is refused in words, and nothing starts.
  await page.locator('#train-family').selectOption('cvae');
  await page.locator('#own-train').click();
  await waitFor(page, () => /A conditional VAE takes each image's label as an input, and your images have none/.test(document.getElementById('train-info').textContent));
  assert.equal(await page.evaluate(() => document.body.dataset.trainer ?? null), null, 'no worker was started');
  await page.locator('#train-family').selectOption('ae');
  await page.locator('#own-train').click();
  await waitFor(page, () => window.vaeExplorer.training.settings?.dataset === 'own', null, 60_000);
  assert.equal(await page.evaluate(() => window.vaeExplorer.training.settings.family), 'ae');
  assert.deepEqual(errors, []);
  await context.close();
});

// The preprocessing's arithmetic, in Node, against sums written here.
test('preprocessing: area resizing, MNIST-style crop and centring, inversion', () => {
  // A 6 x 4 picture halved: each output pixel is the mean of a 2 x 2 block.
  const g = Float32Array.from({ length: 24 }, (_, i) => i / 23);
  const half = resize(g, 6, 4, 3, 2);
  for (let Y = 0; Y < 2; Y++) {
    for (let X = 0; X < 3; X++) {
      const at = (x, y) => g[y * 6 + x];
      const want = (at(2 * X, 2 * Y) + at(2 * X + 1, 2 * Y) + at(2 * X, 2 * Y + 1) + at(2 * X + 1, 2 * Y + 1)) / 4;
      assert.ok(Math.abs(half[Y * 3 + X] - want) < 1e-6);
    }
  }
  // A 3-to-2 resize: output pixel 0 covers input 0 and half of input 1.
  const r = resize(Float32Array.of(1, 0, 0), 3, 1, 2, 1);
  assert.ok(Math.abs(r[0] - (1 + 0.5 * 0) / 1.5) < 1e-6 && Math.abs(r[1]) < 1e-6);
  // A 10 x 40 white bar in the corner of a 100 x 100 black picture: centred, its box is 5 x 20 and its
  // centre of mass the field's centre.
  const pic = new Float32Array(100 * 100);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 10; x++) pic[y * 100 + x] = 1;
  const c = toMnist(pic, 100, 100, { centre: true });
  const field = Float32Array.from(c.bytes, (b) => b / 255);
  assert.deepEqual(inkBox(field, 28, 28), { x0: 12, y0: 4, x1: 17, y1: 24 });
  const m = centreOfMass(field, 28, 28);
  assert.ok(Math.abs(m.x - 14) <= 0.5 && Math.abs(m.y - 14) <= 0.5, JSON.stringify(m));
  // Dark on light is inverted by 'auto', kept by 'off'; a blank picture cannot be centred.
  const light = new Float32Array(28 * 28).fill(1);
  light[14 * 28 + 14] = 0;
  assert.equal(toMnist(light, 28, 28).bytes[14 * 28 + 14], 255);
  assert.equal(toMnist(light, 28, 28, { invert: 'off' }).bytes[0], 255);
  assert.match(toMnist(new Float32Array(784), 28, 28, { centre: true }).reason, /blank/);
});
