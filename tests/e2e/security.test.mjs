// Security, against a real `vae serve`: the Content-Security-Policy (sent and in the page, the same), every
// request the page makes going to its own origin, traversal attempts refused with nothing leaked, GET and
// HEAD only, nosniff everywhere, and 200 concurrent clients on loopback all answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT, startServer, launch, openReady, nextFrames, drawOnPad } from './harness.mjs';

let server;
let browser;
let origin;
before(async () => { server = await startServer(); browser = await launch(); origin = new URL(server.url).origin; });
after(async () => { await browser?.close(); await server?.stop(); });

/** One raw HTTP/1.1 request (the path is sent exactly as given, never normalised by a client library). */
function raw(method, path, { host = '127.0.0.1' } = {}) {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1');
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => { sock.destroy(); reject(new Error(`${method} ${path}: no answer in 10 s`)); });
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); });
    sock.on('error', reject);
    sock.on('end', () => {
      const text = buf.toString('latin1');
      const [head, ...body] = text.split('\r\n\r\n');
      const [status, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(status.split(' ')[1]), headers, body: body.join('\r\n\r\n') });
    });
    sock.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

const CSP_HEADER = readFileSync(join(ROOT, 'crates', 'vae-cli', 'src', 'serve.rs'), 'utf8')
  .match(/pub const CSP: &str = "([^"]+)"/s)[1].replace(/\\\n/g, '');

test('the Content-Security-Policy is strict, sent with every response, and repeated in the page', async () => {
  const r = await raw('GET', '/');
  assert.equal(r.status, 200);
  const csp = r.headers['content-security-policy'];
  assert.equal(csp, CSP_HEADER);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"], 'no inline script, no eval; wasm only');
  assert.deepEqual(directives['connect-src'], ["'self'"]);
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.ok(!/unsafe-inline|'unsafe-eval'|\*/.test(csp), csp);
  // The page's <meta> says the same, less frame-ancestors (which a <meta> cannot carry).
  const meta = r.body.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)[1];
  assert.equal(meta, csp.replace(/; frame-ancestors 'none'$/, ''));
  // No inline script in the page, and no inline style attribute.
  assert.doesNotMatch(r.body, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(r.body, /\sstyle="/);
  for (const path of ['/js/main.js', '/pkg/vae_wasm_bg.wasm', '/no-such-file', '/%2e%2e/x']) {
    const h = (await raw('GET', path)).headers;
    assert.equal(h['content-security-policy'], csp, path);
    assert.equal(h['x-content-type-options'], 'nosniff', path);
  }
});

test('every request the page makes, through every feature, goes to its own origin, and nothing breaks the policy', async () => {
  const { page, context, errors } = await openReady(browser, server, '', { acceptDownloads: true });
  const requests = [];
  context.on('request', (req) => requests.push(req.url()));
  await page.evaluate(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // Map, grid, strips, the pad, the legend, the export, and training (the worker's fetches and its wasm).
  await page.keyboard.press('g');
  await page.keyboard.press('g');
  const box = await page.locator('#latent').boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await page.keyboard.press('a');
  await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.6);
  await page.keyboard.press('b');
  await page.locator('.legend button').first().click();
  await Promise.all([page.waitForEvent('download'), page.locator('#export-strip').click()]);
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await page.locator('#train-play').click();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 3, null, { timeout: 60_000 });
  await page.locator('#train-play').click();
  await nextFrames(page);
  const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to other origins');
  assert.ok(requests.some((u) => u.endsWith('/pkg/vae_train_bg.wasm')), 'the worker\'s requests were seen too');
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('traversal attempts get 400 or 404 and leak nothing', async () => {
  const secrets = [readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').slice(0, 40), 'root:x:0:0', '[workspace]'];
  const attempts = [
    '/../Cargo.toml', '/../../../../etc/passwd', '/%2e%2e/Cargo.toml', '/%2E%2E/%2E%2E/etc/passwd', '/..%2fCargo.toml',
    '/..%2F..%2Fetc%2Fpasswd', '/.%2e/Cargo.toml', '/pkg/../../Cargo.toml', '/pkg/%2e%2e/%2e%2e/Cargo.toml',
    '/..%5cCargo.toml', '/%5c..%5cCargo.toml', '/pkg/..%5c..%5cCargo.toml', '/..\\Cargo.toml',
    '//etc/passwd', '/%2fetc%2fpasswd', '/etc/passwd', '/C:%5cWindows%5cwin.ini', '/%c0%ae%c0%ae/Cargo.toml',
    '/%252e%252e/Cargo.toml', '/js/%00../../Cargo.toml', '/index.html%00.png',
  ];
  for (const path of attempts) {
    const r = await raw('GET', path);
    assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
    for (const s of secrets) assert.ok(!r.body.includes(s), `${path} leaked ${s}`);
  }
  // An absolute-form request line names the same paths.
  const abs = await raw('GET', `${origin}/../Cargo.toml`);
  assert.ok(abs.status === 400 || abs.status === 404, `absolute form: ${abs.status}`);
  // The page's own files are still served.
  assert.equal((await raw('GET', '/js/main.js')).status, 200);
});

test('only GET and HEAD are allowed', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']) {
    const r = await raw(method, method === 'CONNECT' ? '127.0.0.1:80' : '/index.html');
    assert.ok(r.status === 405 || r.status === 400, `${method}: ${r.status}`);
    if (r.status === 405) assert.equal(r.headers.allow, 'GET, HEAD', method);
  }
  const head = await raw('HEAD', '/index.html');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-type'], 'text/html');
});

test('200 concurrent clients on loopback are all answered, and the server stays up', async () => {
  const expected = readFileSync(join(ROOT, 'web', 'index.html')).length;
  const clients = 200;
  const perClient = 3;
  const fetchOne = () => new Promise((resolve, reject) => {
    const req = http.get(`${server.url}index.html`, { agent: false, timeout: 20_000 }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; });
      res.on('end', () => resolve({ status: res.statusCode, bytes: n }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
  });
  const results = await Promise.allSettled(Array.from({ length: clients }, async () => {
    const out = [];
    for (let i = 0; i < perClient; i++) out.push(await fetchOne());
    return out;
  }));
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
  assert.deepEqual(failed, [], 'every client got its answers');
  const answers = results.flatMap((r) => r.value);
  assert.equal(answers.length, clients * perClient);
  assert.ok(answers.every((a) => a.status === 200 && a.bytes === expected), 'every answer was the whole page');
  assert.equal((await raw('GET', '/')).status, 200, 'still up');
});
