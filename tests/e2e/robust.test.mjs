// Bad input on the page, in real Chromium: every broken weights file, broken dataset, nonsense setting and
// hostile link ends in a message in plain words, and the explorer and any training in progress are intact
// afterwards (same model, still decoding, still training, nothing lost).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openReady, openPage, waitReady, independentDecodeOfDisplayedZ, canvasGrey, maxDiff, nextFrames, drawOnPad } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const ARTIFACTS = artifactsDir();
const waitFor = (page, fn, arg, timeout = 60_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });
const step = async (page) => Number(await page.evaluate(() => document.body.dataset.trainStep ?? 0));

// ---------- broken weights files, made from the committed one ----------
const WEIGHTS = readFileSync(join(ROOT, 'web', 'models', 'mnist-2d.safetensors'));
const headerLength = Number(WEIGHTS.readBigUInt64LE(0));
const HEADER = JSON.parse(WEIGHTS.subarray(8, 8 + headerLength).toString());
const DATA = WEIGHTS.subarray(8 + headerLength);

/** A safetensors file: 8-byte little-endian header length, the JSON header, the data. */
function file(header, data = DATA) {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}
/** The committed file with its header edited by `f`. */
const edited = (f) => { const h = structuredClone(HEADER); f(h); return file(h); };
/** The committed file with the first f16 value of tensor `name` replaced by `bits`. */
function poked(name, bits) {
  const data = Buffer.from(DATA);
  data.writeUInt16LE(bits, HEADER[name].data_offsets[0]);
  return file(HEADER, data);
}
const cut = (fraction) => WEIGHTS.subarray(0, Math.floor(WEIGHTS.length * fraction));
const huge = Buffer.alloc(10);
huge.writeBigUInt64LE(1n << 63n);

/** [file name, bytes (or a path), what the message must say] */
function badWeights() {
  // 200 MB, sparse on disk: the page must refuse it by its size, before reading it.
  const sparse = (name, bytes) => {
    const path = join(ARTIFACTS, name);
    const fd = openSync(path, 'w');
    ftruncateSync(fd, bytes);
    closeSync(fd);
    return path;
  };
  const big = sparse('big.safetensors', 200 * 1024 * 1024);
  // The limit's edges: exactly 64 MiB is read (and refused for its content), one byte more by its size.
  const atLimit = sparse('at-limit.safetensors', 64 * 1024 * 1024);
  const overLimit = sparse('over-limit.safetensors', 64 * 1024 * 1024 + 1);
  // Each case's own reason (every weights error starts "not a usable weights file", so that says nothing).
  // Mutation that turns it red: describe a truncated file as "not valid JSON" in weights.rs's describe_st_error.
  const truncated = /the header does not match the data \(incomplete metadata, file not fully covered\); the file is truncated or damaged/;
  return [
    ['empty.safetensors', Buffer.alloc(0), /not a usable weights file: the file is empty/],
    ['cut-1pc.safetensors', cut(0.01), truncated],
    ['cut-8pc.safetensors', cut(0.08), truncated],
    ['cut-50pc.safetensors', cut(0.5), truncated],
    ['lying-offsets.safetensors', edited((h) => { h['dec_out.bias'].data_offsets = [0, 4e9]; }), /the header does not match the data \(invalid offset for tensor `dec_out\.bias`\)/],
    // An offset past 2^32 does not even fit wasm32's usize: the header itself is refused.
    ['offset-1e12.safetensors', edited((h) => { h['dec_out.bias'].data_offsets = [0, 1e12]; }), /the header is not valid JSON metadata \(invalid JSON in header: invalid value: integer `1000000000000`, expected usize/],
    ['header-2-63.safetensors', huge, /header length in its first 8 bytes is impossible for this file/],
    ['renamed-tensor.safetensors', edited((h) => { h['enc_mu.b'] = h['enc_mu.bias']; delete h['enc_mu.bias']; }), /tensor `enc_mu\.bias` is missing/],
    ['wrong-shape.safetensors', edited((h) => { h['enc_mu.bias'].shape = [1, 2]; }), /tensor `enc_mu\.bias` has shape \[1, 2\], but the architecture needs \[2\]/],
    ['wrong-dtype.safetensors', edited((h) => { h['enc_mu.bias'].dtype = 'I16'; }), /tensor `enc_mu\.bias` is I16; only F32, F16 and BF16 are supported/],
    ['nan.safetensors', poked('dec_out.weight', 0x7e00), /tensor `dec_out\.weight` contains NaN or infinite values/],
    ['inf.safetensors', poked('enc_mu.bias', 0x7c00), /tensor `enc_mu\.bias` contains NaN or infinite values/],
    ['digit.png.safetensors', readFileSync(join(ROOT, 'tests', 'screenshots', 'map.png')), /the header length in its first 8 bytes is impossible for this file; the file is damaged or is not a safetensors file/],
    ['big.safetensors', big, /is 200 MB \(209,715,200 bytes\): bigger than any model this page can run \(at most 64 MB, 67,108,864 bytes\)/],
    ['at-limit.safetensors', atLimit, /at-limit\.safetensors: The model weights could not be used: this is not a usable weights file: the header is not valid JSON metadata/],
    ['over-limit.safetensors', overLimit, /is 64 MB \(67,108,865 bytes\): bigger than any model/],
  ];
}

test('every broken weights file is refused in words; the explorer and the training in progress are intact', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 5);
  const mu = () => page.evaluate(() => Array.from(window.vaeExplorer.dotsMu.slice(0, 8)));
  const mu0 = await mu();
  for (const [name, bytes, reason] of badWeights()) {
    const before = await step(page);
    await page.locator('#weights-file').setInputFiles(typeof bytes === 'string' ? bytes : { name, mimeType: 'application/octet-stream', buffer: bytes });
    await waitFor(page, (n) => document.getElementById('error').textContent.startsWith(n), name);
    const text = await page.locator('#error').textContent();
    assert.match(text, reason, `${name}: ${text}`);
    assert.match(text, /The explorer keeps its current model\.$/, `${name}: ${text}`);
    assert.ok(await page.locator('#error').isVisible(), `${name}: the message is on screen`);
    // The explorer kept its model, and training went on.
    assert.deepEqual(await mu(), mu0, `${name}: the explorer's model changed`);
    await waitFor(page, (n) => Number(document.body.dataset.trainStep) > n, before);
  }
  assert.equal(await page.evaluate(() => document.body.dataset.training), 'on');
  // The explorer still decodes what it shows.
  await page.locator('#page-explore').click();
  await page.locator('#latent').focus();
  await page.keyboard.press('ArrowRight');
  await nextFrames(page);
  const { expected } = await independentDecodeOfDisplayedZ(page);
  assert.ok(maxDiff(await canvasGrey(page, 'digit'), expected) <= 1);
  await page.locator('#page-train').click();
  await page.locator('#train-play').click();
  assert.deepEqual(errors, []);
  await context.close();
});

/** Serves the page with one data file replaced by `bytes`: a broken dataset reaching the training worker. */
async function withBrokenData(fileName, bytes) {
  const opened = await openPage(browser, null);
  await opened.context.route(`**/data/${fileName}`, (route) => route.fulfill({ body: bytes, contentType: 'application/octet-stream' }));
  await opened.page.goto(`${server.url}#page=train`);
  assert.equal(await waitReady(opened.page), 'ready');
  return opened;
}

const idx = (dims, data) => {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
};

test('a broken training set is reported in words when Train is pressed; the explorer stays usable', async () => {
  const images = readFileSync(join(ROOT, 'web', 'data', 'train-images.idx3-ubyte'));
  const labels = readFileSync(join(ROOT, 'web', 'data', 'train-labels.idx1-ubyte'));
  const cases = [
    ['train-images.idx3-ubyte', Buffer.concat([Buffer.from([0, 0, 0x0d, 3]), images.subarray(4)]), /training images file does not start with the IDX magic/],
    ['train-images.idx3-ubyte', idx([9000, 27, 28], images.subarray(16, 16 + 9000 * 27 * 28)), /training images are 27x28, not 28x28/],
    ['train-images.idx3-ubyte', images.subarray(0, images.length - 784 * 10), /training images file should hold 7056000 bytes of data but holds 7048160/],
    ['train-labels.idx1-ubyte', idx([8999], labels.subarray(8, 8 + 8999)), /there are 9000 training images but 8999 labels/],
    ['train-labels.idx1-ubyte', Buffer.concat([labels.subarray(0, 8), Buffer.from([12]), labels.subarray(9)]), /training label is outside 0 to 9/],
  ];
  for (const [name, bytes, reason] of cases) {
    const { page, context, errors } = await withBrokenData(name, bytes);
    await page.locator('#train-play').click();
    await waitFor(page, (src) => new RegExp(src).test(document.getElementById('train-info').textContent), reason.source);
    assert.match(await page.locator('#train-info').textContent(), /^The training digits could not be loaded: /);
    assert.equal(await page.evaluate(() => document.body.dataset.training ?? 'off'), 'off');
    // The explorer is untouched: the point still moves and decodes.
    await page.locator('#page-explore').click();
    await page.locator('#latent').focus();
    await page.keyboard.press('ArrowUp');
    await nextFrames(page);
    const { expected } = await independentDecodeOfDisplayedZ(page);
    assert.ok(maxDiff(await canvasGrey(page, 'digit'), expected) <= 1, name);
    // A worker error is expected to reach the console only as our own words, never as an uncaught error.
    assert.deepEqual(errors, [], name);
    await context.close();
  }
});

/** Types `text` into a field key by key, as a person would (a number field drops what it cannot hold, so
 *  "NaN" leaves it empty), and commits it. */
async function typeInto(page, sel, text) {
  await page.locator(sel).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
  await page.locator(sel).dispatchEvent('change');
}

test('nonsense settings are refused, naming the setting, and training goes on unchanged', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train');
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 3);
  const cases = [
    ['#train-lr', ['NaN', 'Infinity', '-1', '0', '1e9', '1e999', 'ten', ''], /The learning rate must be a number from 0\.000001 to 100; it was not changed\./],
    ['#train-beta', ['NaN', '-Infinity', '-0.5', '1e12'], /The β must be a number from 0 to 1000; it was not changed\./],
    ['#train-batch', ['0', '-5', '2.5', '1e9', 'NaN'], /The batch size must be a whole number from 16 to 256; it was not changed\./],
    ['#train-epochs', ['-1', '1.5', 'NaN'], /The budget takes whole numbers of at least 0/],
    ['#train-patience', ['-3', 'Infinity'], /The budget takes whole numbers of at least 0/],
  ];
  const settings = () => page.evaluate(() => ({ lr: window.vaeExplorer.training.settings.lr, beta: window.vaeExplorer.training.settings.beta, batch: document.body.dataset.trainBatch }));
  const before = await settings();
  for (const [sel, values, reason] of cases) {
    const good = await page.locator(sel).inputValue();
    for (const v of values) {
      await page.evaluate(() => { document.getElementById('train-info').textContent = ''; });
      await typeInto(page, sel, v);
      await waitFor(page, (src) => new RegExp(src).test(document.getElementById('train-info').textContent), reason.source, 5_000)
        .catch(async () => assert.fail(`${sel} = "${v}": the page said "${await page.locator('#train-info').textContent()}"`));
    }
    await typeInto(page, sel, good);
  }
  const s0 = await step(page);
  await waitFor(page, (n) => Number(document.body.dataset.trainStep) > n + 5, s0);
  assert.deepEqual(await settings(), before, 'no nonsense value reached the trainer');
  assert.equal(await page.evaluate(() => document.body.dataset.training), 'on');
  // A reset with a nonsense seed is refused too, and does not reset.
  await typeInto(page, '#train-seed', '-7');
  await page.locator('#train-reset').click();
  await waitFor(page, () => /The seed must be a whole number from 0 to 4294967295/.test(document.getElementById('train-info').textContent));
  assert.ok(await step(page) > s0, 'no reset happened');
  await page.locator('#train-play').click();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link whose z or ends are NaN, Infinity or absurd is reported and ignored; the rest of it applies', async () => {
  for (const [hash, key] of [['#z=NaN,1&n=12&v=grid', 'z'], ['#z=Infinity,0&n=12&v=grid', 'z'], ['#z=1e400,-1e400&n=12&v=grid', 'z'],
    ['#a=0,NaN&z=1,1&n=12&v=grid', 'a'], ['#b=-Infinity,2&z=1,1&n=12&v=grid', 'b'], ['#z=1,1&mv=NaN,0,3&n=12&v=grid', 'mv']]) {
    const { page, context, errors } = await openReady(browser, server, hash);
    await waitFor(page, () => !document.getElementById('notice').hidden);
    assert.match(await page.locator('#notice').textContent(), new RegExp(`The link's "${key}" .* so it was ignored`), hash);
    const st = await page.evaluate(() => ({ z: window.vaeExplorer.state.z, view: window.vaeExplorer.state.view, n: window.vaeExplorer.state.grid.n }));
    assert.ok(st.z.every(Number.isFinite), `${hash}: z = ${st.z}`);
    assert.equal(st.view, 'grid', `${hash}: the valid fields still apply`);
    assert.equal(st.n, 12, hash);
    // Still usable, and the link written back holds only finite numbers.
    await page.keyboard.press('g');
    await page.locator('#latent').focus();
    await page.keyboard.press('ArrowLeft');
    await nextFrames(page);
    await page.waitForTimeout(400);
    assert.doesNotMatch(new URL(page.url()).hash, /NaN|Infinity|e\+?400/i, hash);
    assert.deepEqual(errors, [], hash);
    await context.close();
  }
});

test('an empty drawing pad says so, and draws nothing from it', async () => {
  const { page, context, errors } = await openReady(browser, server);
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await waitFor(page, () => document.getElementById('pad-info').dataset.loss !== undefined);
  await page.locator('#pad-clear').click();
  assert.equal(await page.locator('#pad-info').textContent(), 'The pad is empty: draw a digit first.');
  assert.equal(await page.locator('#pad-samples-fig').isHidden(), true);
  assert.equal(await page.evaluate(() => window.vaeExplorer.plane.overlay?.ellipse ?? null), null);
  // More samples or new eps on an empty pad change nothing and raise nothing.
  await page.locator('#pad-resample').click();
  assert.equal(await page.locator('#pad-info').textContent(), 'The pad is empty: draw a digit first.');
  assert.deepEqual(errors, []);
  await context.close();
});
