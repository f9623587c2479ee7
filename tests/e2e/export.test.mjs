// `vae export`: the static site, served by Python's http.server (no headers of ours, no cross-origin
// isolation) at a sub-path, as a course website or GitHub Pages would serve it: the explorer decodes, the lab
// scores in its worker, and the training worker trains, with every request to the site itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, launch, openPage, wasmFilesOf } from './harness.mjs';

const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');
const PY = process.env.VAE_PYTHON ?? 'python3';
let browser;
let server;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); server?.kill(); });

/** Starts `python3 -m http.server` on a free loopback port over `dir`; resolves to its URL. */
function httpServer(dir) {
  server = spawn(PY, ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/port (\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}/`);
    });
    server.on('exit', (code) => reject(new Error(`http.server exited with ${code}`)));
    setTimeout(() => reject(new Error('http.server did not start within 10 s')), 10_000);
  });
}

// Mutation that turns it red: an absolute URL in the page's imports (e.g. '/pkg/vae_wasm.js' in model.js: the
// site at a sub-path then cannot find its module), or leave the training module out of the export.
test('vae export: the static site served by python3 -m http.server at a sub-path explores, scores and trains', async () => {
  const root = join(artifactsDir(), 'static-host');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const site = join(root, 'course', 'vae');
  const run = spawnSync(VAE, ['export', site], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote the explorer to .*: \d+ files, [\d.]+ MB/);
  const url = `${await httpServer(root)}course/vae/`;
  const { page, context, errors } = await openPage(browser, null);
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), false, 'this host sends no isolation headers');
  // Explore: a key press moves the point, and the digit is decoded.
  await page.locator('#latent').focus();
  await page.keyboard.press('Shift+ArrowRight');
  await page.waitForFunction(() => Math.abs(window.vaeExplorer.state.z[0] - 0.5) < 1e-9);
  // The lab's worker and the training worker load their modules from the site.
  await page.locator('#page-lab').click();
  await page.waitForFunction(() => document.body.dataset.labDone, null, { timeout: 60_000 });
  await page.locator('#page-train').click();
  await page.locator('#train-play').click();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 10, null, { timeout: 60_000 });
  await page.locator('#train-play').click();
  await page.waitForFunction(() => document.body.dataset.training === 'off');
  const foreign = requests.filter((u) => !u.startsWith(url) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'every request goes to the site');
  // The wasm build the page picked, in the page and its workers.
  for (const f of [...await wasmFilesOf(page), 'js/lab-worker.js', 'data/train-images.idx3-ubyte']) {
    assert.ok(requests.some((u) => u.split('?')[0] === url + f), `${f} was loaded from the site`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
