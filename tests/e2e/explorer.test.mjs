// The first page, end to end: real server, real Chromium, real weights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, nextFrames, canvasGrey, maxDiff, independentDecodeOfDisplayedZ } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});


test('dragging across the latent plane decodes the displayed z live', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  assert.equal(await waitReady(page), 'ready');
  await nextFrames(page);
  const before = await canvasGrey(page, 'digit');
  const start = await independentDecodeOfDisplayedZ(page);
  assert.deepEqual(start.z, [0, 0]);
  assert.ok(maxDiff(before, start.expected) <= 1, 'the first digit is the decode of z = (0, 0)');

  // Drag from the lower left to the upper right of the plane with the mouse, in 60 moves.
  const box = await page.locator('#latent').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.7);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.3, { steps: 60 });
  await page.mouse.up();
  await nextFrames(page);

  const after = await canvasGrey(page, 'digit');
  const end = await independentDecodeOfDisplayedZ(page);
  assert.ok(end.z[0] > 0.5 && end.z[1] > 0.5, `dragging up and right gives positive z, got ${end.z}`);
  assert.equal(end.text, `z = (${end.z[0].toFixed(2)}, ${end.z[1].toFixed(2)})`);
  assert.ok(maxDiff(before, after) > 50, 'the digit changed');
  assert.ok(maxDiff(after, end.expected) <= 1, 'the painted digit is vae.decode of the displayed z');
  mkdirSync(join(ROOT, 'tests', 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'tests', 'screenshots', 'explorer.png') });

  // 60 pointer moves within one task, so within one frame: at most one decode for all of them.
  const burst = await page.evaluate(async () => {
    const { Vae } = await import('/pkg/vae_wasm.js');
    const decode = Vae.prototype.decode;
    let decodes = 0; // of one point; the traversal sheet decodes its 18 points in one more call
    let sheets = 0;
    Vae.prototype.decode = function (...args) { if (args[0].length === 2) decodes++; else sheets++; return decode.apply(this, args); };
    const c = document.getElementById('latent');
    const b = c.getBoundingClientRect();
    const fire = (type, f) => c.dispatchEvent(new PointerEvent(type, {
      clientX: b.left + f * b.width, clientY: b.top + 0.5 * b.height, pointerId: 1, pointerType: 'mouse',
      isPrimary: true, button: 0, buttons: 1, bubbles: true,
    }));
    fire('pointerdown', 0.2);
    for (let i = 1; i <= 60; i++) fire('pointermove', 0.2 + i / 100);
    fire('pointerup', 0.8);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    Vae.prototype.decode = decode;
    return { decodes, sheets, z1: Number(document.getElementById('z-readout').dataset.z1) };
  });
  assert.equal(burst.decodes, 1, `62 pointer events in one frame gave ${burst.decodes} decodes`);
  assert.ok(burst.sheets <= 1, `and ${burst.sheets} batched decodes of the traversal sheet`);
  assert.ok(Math.abs(burst.z1 - 2.4) < 0.2, `the newest point won: z1 = ${burst.z1}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a touch tap moves the point too', async () => {
  const { page, context, errors } = await openPage(browser, server.url, { hasTouch: true });
  await waitReady(page);
  const box = await page.locator('#latent').boundingBox();
  await page.touchscreen.tap(box.x + box.width * 0.2, box.y + box.height * 0.5);
  await nextFrames(page);
  const { z, expected } = await independentDecodeOfDisplayedZ(page);
  assert.ok(z[0] < -1, `a tap on the left half gives z1 < -1, got ${z}`);
  assert.ok(maxDiff(await canvasGrey(page, 'digit'), expected) <= 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a broken weights file is reported in words and the page stays up', async () => {
  const { page, context, errors } = await openPage(browser, null);
  await page.route('**/models/mnist-2d.safetensors', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('\x89PNG\r\n\x1a\nnot weights') }));
  await page.goto(server.url);
  assert.equal(await waitReady(page), 'error');
  const message = await page.locator('#error').textContent();
  assert.match(message, /model weights could not be used/i);
  assert.match(message, /not a usable weights file/i);
  assert.ok(await page.locator('#error').isVisible());
  assert.deepEqual(errors, []);
  await context.close();
});

test('a missing wasm file is reported in words', async () => {
  const { page, context } = await openPage(browser, null);
  // Both builds gone: the relaxed one fails, the SIMD128 fallback fails too, and the page says why.
  await page.route(/\/pkg\/vae_wasm(_relaxed)?_bg\.wasm$/, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(server.url);
  assert.equal(await waitReady(page), 'error');
  assert.match(await page.locator('#error').textContent(), /WebAssembly core could not be loaded.*404/);
  await context.close();
});

test('the server serves wasm with its MIME type and refuses to leave its folders', async () => {
  const wasm = await fetch(new URL('pkg/vae_wasm_bg.wasm', server.url));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('x-content-type-options'), 'nosniff');
  const post = await fetch(server.url, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  for (const path of ['/../Cargo.toml', '/%2e%2e/Cargo.toml', '/..%2fCargo.toml', '/pkg/..%5c..%5cCargo.toml']) {
    // fetch() normalises dot segments, so send the raw path over a socket.
    const status = await rawStatus(server.url, path);
    assert.ok(status === 400 || status === 404, `${path} gave ${status}`);
  }
  assert.ok(server.log.some((l) => /^GET \/ 200/.test(l)), 'requests are logged');
});

async function rawStatus(base, path) {
  const { port } = new URL(base);
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(Number(data.split(' ')[1])));
    s.on('error', reject);
  });
}
