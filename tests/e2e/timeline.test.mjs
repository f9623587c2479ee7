// The training timeline: snapshots of the live map and grid every N steps, kept in IndexedDB with the
// checkpoint (a reload finds them), shown by a scrubber, and exported as an animated PNG whose chunks this test
// reads by the PNG and APNG specifications: signature, CRCs, the frame count, sequence numbers, and every
// frame inflated and compared with what the page showed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openReady } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const waitFor = (page, fn, arg, timeout = 120_000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
const steps = (page) => page.evaluate(() => window.vaeExplorer.training.timeline.snapshots.map((s) => s.step));

/** CRC-32 of the PNG specification (ISO 3309), bit by bit. */
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The chunks of a PNG file: [{ type, data }], each CRC checked. */
function chunks(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'the PNG signature');
  const out = [];
  for (let at = 8; at < buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    assert.equal(buf.readUInt32BE(at + 8 + len), crc32(buf.subarray(at + 4, at + 8 + len)), `${type}'s CRC`);
    out.push({ type, data });
    at += 12 + len;
  }
  return out;
}


/** The video frames of a WebM file, counted by the EBML structure Matroska defines: SimpleBlocks (0xA3) and
 *  Blocks (0xA1) inside Clusters, descending into the Segment, Clusters and BlockGroups (sizes may be
 *  "unknown", as MediaRecorder writes them: then the element runs to its parent's end). */
function webmFrames(buf) {
  const vint = (at, keepMarker) => {
    const first = buf[at];
    let len = 1;
    while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
    let v = keepMarker ? first : first & (0xff >> len);
    for (let i = 1; i < len; i++) v = v * 256 + buf[at + i];
    const unknown = !keepMarker && v === 2 ** (7 * len) - 1;
    return { v: unknown ? Infinity : v, len };
  };
  const MASTERS = new Set([0x18538067, 0x1f43b675, 0xa0]);
  let frames = 0;
  let width = 0;
  const walk = (from, to) => {
    for (let at = from; at < to;) {
      const id = vint(at, true);
      const size = vint(at + id.len, false);
      const body = at + id.len + size.len;
      const end = Math.min(to, body + size.v);
      if (id.v === 0xa3 || id.v === 0xa1) frames++;
      if (id.v === 0xb0) width = buf.readUIntBE(body, size.v); // PixelWidth
      if (MASTERS.has(id.v) || id.v === 0x1654ae6b || id.v === 0xae || id.v === 0xe0) walk(body, end); // and Tracks, TrackEntry, Video
      at = end;
    }
  };
  walk(0, buf.length);
  return { frames, width };
}

// Mutations that turn it red: no saveSnapshot in timeline.js's add() (the reload finds nothing), the acTL's
// frame count off by one, the fdAT sequence numbers not counted (apng.js), a frame drawn from another snapshot.
test('training keeps a timeline that a reload finds, a scrubber shows and an animated PNG replays', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train&lang=en', { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await page.locator('#timeline-every').fill('20');
  await page.locator('#timeline-every').dispatchEvent('change');
  await waitFor(page, () => !document.getElementById('train-play').disabled);
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 300);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  await waitFor(page, () => Number(document.body.dataset.checkpointStep ?? -1) >= 300);
  const taken = await steps(page);
  assert.ok(taken.length >= 5, `snapshots at ${taken}`);
  assert.equal(taken[0], 0, 'the first snapshot is the untrained model');
  for (let i = 1; i < taken.length; i++) assert.ok(taken[i] - taken[i - 1] >= 20, `snapshots at ${taken}: at least 20 steps apart`);
  assert.equal(await page.locator('#timeline').isVisible(), true);

  // The scrubber: the frame shows the chosen snapshot, its grid pixel for pixel (sampled at cell centres).
  await page.locator('#timeline-pos').fill('2');
  const shown = await page.evaluate(() => {
    const snap = window.vaeExplorer.training.timeline.snapshots[2];
    const c = document.getElementById('timeline-frame');
    const img = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const pairs = [];
    for (const [r, col] of [[5, 5], [100, 37], [210, 210], [333, 401], [419, 0]]) {
      const x = Math.floor(960 - 13 - 460 + (col + 0.5) * (460 / snap.gridSide));
      const y = Math.floor(44 + (r + 0.5) * (460 / snap.gridSide));
      pairs.push([snap.grid[r * snap.gridSide + col], img[4 * (y * c.width + x)]]);
    }
    return { step: Number(c.dataset.step), want: snap.step, pairs, grid: Array.from(snap.grid.subarray(0, 2000)) };
  });
  assert.equal(shown.step, shown.want);
  for (const [want, got] of shown.pairs) assert.equal(got, want);
  await page.locator('#timeline').screenshot({ path: join(ROOT, 'tests', 'screenshots', 'timeline.png') });

  // The animated PNG: one frame a snapshot, in order, each decodable and equal to the frame drawn for it.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#timeline-apng').click()]);
  const file = join(artifactsDir(), 'timeline.png');
  await download.saveAs(file);
  const list = chunks(readFileSync(file));
  assert.deepEqual([list[0].type, list[1].type, list.at(-1).type], ['IHDR', 'acTL', 'IEND']);
  const ihdr = list[0].data;
  const [width, height] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)];
  assert.deepEqual([width, height, ihdr[8], ihdr[9]], [960, 520, 8, 2], '960 × 520, 8-bit RGB');
  assert.equal(list[1].data.readUInt32BE(0), taken.length, 'acTL: one frame a snapshot');
  const fctl = list.filter((c) => c.type === 'fcTL');
  assert.equal(fctl.length, taken.length);
  const seqs = list.filter((c) => c.type === 'fcTL' || c.type === 'fdAT').map((c) => c.data.readUInt32BE(0));
  assert.deepEqual(seqs, seqs.map((_, i) => i), 'fcTL and fdAT sequence numbers count up from 0');
  const frames = [];
  for (const c of list) {
    if (c.type === 'IDAT') frames.push(inflateSync(c.data));
    if (c.type === 'fdAT') frames.push(inflateSync(c.data.subarray(4)));
  }
  assert.equal(frames.length, taken.length);
  for (const f of frames) assert.equal(f.length, height * (1 + 3 * width), 'a whole frame of filtered RGB scanlines');
  // Frame 3 (the scrubber's snapshot 2) against the canvas: the same pixels (filter 0, so bytes as they are).
  const canvasRows = await page.evaluate(() => {
    const c = document.getElementById('timeline-frame');
    const d = c.getContext('2d').getImageData(0, 200, c.width, 1).data;
    return Array.from({ length: c.width }, (_, x) => [d[4 * x], d[4 * x + 1], d[4 * x + 2]]).flat();
  });
  const row = frames[2].subarray(200 * (1 + 3 * width), 201 * (1 + 3 * width));
  assert.equal(row[0], 0, 'filter type 0');
  assert.deepEqual(Array.from(row.subarray(1)), canvasRows);

  // The WebM video: one frame a snapshot, 960 pixels wide, and a browser decodes it.
  const [video] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator('#timeline-webm').click()]);
  const webm = join(artifactsDir(), 'timeline.webm');
  await video.saveAs(webm);
  const bytes = readFileSync(webm);
  assert.equal(bytes.readUInt32BE(0), 0x1a45dfa3, 'an EBML file');
  assert.deepEqual(webmFrames(bytes), { frames: taken.length, width: 960 });
  const player = await context.newPage(); // about:blank, outside the page's media policy
  const decoded = await player.evaluate(async (b64) => {
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'video/webm' }));
    await new Promise((resolve, reject) => { v.onloadeddata = resolve; v.onerror = () => reject(new Error(String(v.error?.message))); });
    return [v.videoWidth, v.videoHeight];
  }, bytes.toString('base64'));
  assert.deepEqual(decoded, [960, 520]);
  await player.close();

  // A reload resumes the checkpoint and finds the same timeline in this browser's storage.
  await page.reload();
  await waitFor(page, () => document.body.dataset.trainer === 'ready' && Number(document.body.dataset.timeline ?? 0) > 0);
  assert.deepEqual(await steps(page), taken);
  const again = await page.evaluate(() => Array.from(window.vaeExplorer.training.timeline.snapshots[2].grid.subarray(0, 2000)));
  assert.deepEqual(again, shown.grid);

  // Reset begins a new timeline: after a reload, only the new model's snapshots are there.
  await page.locator('#train-reset').click();
  await waitFor(page, () => document.body.dataset.trainer === 'ready' && Number(document.body.dataset.timeline ?? 0) <= 1);
  await page.evaluate(() => window.vaeExplorer.training.timeline.written());
  await page.reload();
  await waitFor(page, () => document.body.dataset.trainer === 'ready');
  assert.ok((await steps(page)).every((s) => s === 0), `after a reset: ${await steps(page)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a nonsense snapshot interval is refused in words and the last one kept', async () => {
  const { page, context } = await openReady(browser, server, '#page=train&lang=en');
  await page.locator('#timeline-every').fill('3');
  await page.locator('#timeline-every').dispatchEvent('change');
  assert.match(await page.locator('#train-info').textContent(), /every 10 to 10,000 steps/);
  assert.equal(await page.locator('#timeline-every').inputValue(), '100');
  await context.close();
});

// Mutation that turns it red: keep every snapshot (no thinning), or thin without deleting from storage.
test('past 64 snapshots every other one is dropped, in storage too, and the interval doubles', async () => {
  const { page, context, errors } = await openReady(browser, server, '#page=train&lang=en');
  // No checkpoint in this new browser profile, so no worker has started and no views will arrive.
  assert.equal(await page.evaluate(() => window.vaeExplorer.training.timeline.snapshots.length), 0);
  const out = await page.evaluate(async () => {
    const tl = window.vaeExplorer.training.timeline;
    const { loadTimeline } = await import('/js/checkpoints.js');
    tl.clear();
    // Views messages as the worker sends them, of a 2-D model with 3 held-out codes and a 2 × 2-pixel grid.
    const views = (step) => ({ step, latent: 2, pair: [0, 1], mu: Float32Array.of(step, 1, 2, 3, 4, 5), rgba: new Uint8ClampedArray(16).fill(step % 256), labels: Uint8Array.of(0, 1, 2) });
    const every0 = tl.every;
    for (let step = 0; step <= 100 * 200; step += 100) tl.add(views(step));
    await tl.written();
    const kept = tl.snapshots.map((s) => s.step);
    const stored = (await loadTimeline()).map((s) => s.step);
    await tl.restore(10_000);
    await tl.written();
    const restored = tl.snapshots.map((s) => s.step);
    const afterRestore = (await loadTimeline()).map((s) => s.step);
    return { every0, every: tl.every, kept, stored, restored, afterRestore, grid: Array.from(tl.snapshots[1].grid) };
  });
  assert.equal(out.every0, 100);
  assert.ok(out.kept.length <= 64 && out.kept.length >= 32, `${out.kept.length} kept`);
  assert.equal(out.kept[0], 0);
  for (let i = 1; i < out.kept.length; i++) assert.equal(out.kept[i] - out.kept[i - 1], out.every, 'evenly spaced at the doubled interval');
  assert.ok(out.every >= 400, `interval ${out.every}`);
  assert.deepEqual(out.stored, out.kept, 'storage holds exactly the snapshots kept');
  assert.deepEqual(out.restored, out.kept.filter((s) => s <= 10_000));
  assert.deepEqual(out.afterRestore, out.restored, 'a resumed checkpoint drops the later snapshots from storage too');
  assert.deepEqual(out.grid, [out.kept[1] % 256, out.kept[1] % 256, out.kept[1] % 256, out.kept[1] % 256]);
  assert.deepEqual(errors, []);
  await context.close();
});
