// The training timeline: while a model trains, a snapshot of its live map (the held-out codes in the two
// dimensions shown) and its decoded grid every N steps, kept in IndexedDB beside the checkpoint. A scrubber and
// a replay show how the latent space organised itself; the snapshots export as an animated PNG or a WebM
// video for slides.
// At most MAX snapshots are kept: past that every other one is dropped and the interval doubles, so a long
// run keeps its whole history at a coarser grain.
import { clearTimeline, deleteSnapshots, loadTimeline, saveSnapshot } from '../checkpoints.js';
import { FRAME, drawFrame } from '../draw/timeline-frame.js';
import { encodeApng } from '../draw/apng.js';
import { zName } from './point.js';
import { attr, num, onLang, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
export const MAX_SNAPSHOTS = 64;
const REPLAY_MS = 150;

/** hooks: { info(make text), download(blob, name) } */
export function setupTimeline(hooks) {
  let snaps = []; // { step, mu (2n), labels, grid, gridSide }, by step
  let every = Number($('timeline-every').value); // the interval now (doubled by thinning)
  let replay = 0;
  let writes = Promise.resolve(); // the storage's writes, in order

  const store = (fn) => { writes = writes.then(fn).catch((e) => hooks.info(() => t('The timeline could not be saved: {why}. Training goes on.', { why: e.message }))); };

  /** A snapshot of the worker's views message `m`: the two shown coordinates of each code and the grid's grey. */
  function snapshotOf(m) {
    const d = m.latent;
    const n = m.mu.length / d;
    const mu = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      mu[2 * i] = m.mu[i * d + m.pair[0]];
      mu[2 * i + 1] = d > 1 ? m.mu[i * d + m.pair[1]] : 0;
    }
    const grid = new Uint8Array(m.rgba.length / 4);
    for (let k = 0; k < grid.length; k++) grid[k] = m.rgba[4 * k];
    return { step: m.step, mu, labels: Uint8Array.from(m.labels), grid, gridSide: Math.round(Math.sqrt(grid.length)), pair: m.pair, latent: d };
  }

  /** Called with each views message of the model being trained: a snapshot when N steps have passed. */
  function add(m) {
    const last = snaps.at(-1);
    if (last && m.step < last.step + every) return; // every >= 10: an older or repeated step never passes
    const snap = snapshotOf(m);
    snaps.push(snap);
    store(() => saveSnapshot(snap));
    if (snaps.length > MAX_SNAPSHOTS) {
      // Keep the first and every second one after it; the interval doubles.
      const dropped = snaps.filter((_, i) => i % 2 === 1).map((s) => s.step);
      snaps = snaps.filter((_, i) => i % 2 === 0);
      every *= 2;
      store(() => deleteSnapshots(dropped));
    }
    const pos = $('timeline-pos');
    const atEnd = Number(pos.value) >= Number(pos.max);
    render(atEnd ? snaps.length - 1 : Number(pos.value));
  }

  function render(index = Number($('timeline-pos').value)) {
    $('timeline').hidden = !snaps.length;
    document.body.dataset.timeline = String(snaps.length);
    if (!snaps.length) return;
    const pos = $('timeline-pos');
    pos.max = String(snaps.length - 1);
    pos.value = String(Math.min(index, snaps.length - 1));
    const snap = snaps[Number(pos.value)];
    const first = snaps[0].step;
    const lastStep = snaps.at(-1).step;
    const k = Number(pos.value) + 1;
    const where = () => t('step {step} ({k} of {n})', { step: snap.step, k, n: snaps.length });
    text($('timeline-step'), where);
    attr(pos, 'aria-valuetext', where);
    text($('timeline-info'), () => t('{n} snapshots from step {first} to {last}, one every {every} steps (at most {max} are kept: past that, every other one is dropped and the interval doubles).', { n: snaps.length, first, last: lastStep, every, max: MAX_SNAPSHOTS }));
    const canvas = $('timeline-frame');
    drawFrame(canvas.getContext('2d'), snap, title(snap));
    canvas.dataset.step = String(snap.step);
    attr(canvas, 'aria-label', () => t('The model being trained at step {step}: the held-out codes in {dims}, and its decoded grid.', { step: snap.step, dims: dims(snap) }));
  }

  const dims = (snap) => `${zName(snap.pair[0])}, ${zName(snap.pair[1])}`;
  const title = (snap) => t('Step {step}: the held-out codes ({dims}) and the decoded grid', { step: num(snap.step), dims: dims(snap) });

  function toggleReplay() {
    if (replay) { clearInterval(replay); replay = 0; }
    else {
      if (Number($('timeline-pos').value) >= snaps.length - 1) render(0);
      replay = setInterval(() => {
        const next = Number($('timeline-pos').value) + 1;
        if (next >= snaps.length) { clearInterval(replay); replay = 0; showReplay(); return; }
        render(next);
      }, REPLAY_MS);
    }
    showReplay();
  }

  function showReplay() {
    $('timeline-play').setAttribute('aria-pressed', String(!!replay));
    text($('timeline-play'), () => (replay ? t('❚❚ Pause') : t('▶ Replay')));
  }

  /** Every snapshot as a frame of an animated PNG (FRAME-sized, REPLAY_MS each). */
  async function exportApng() {
    if (!snaps.length) return;
    $('timeline-apng').disabled = true;
    try {
      const canvas = new OffscreenCanvas(FRAME.width, FRAME.height);
      const ctx = canvas.getContext('2d');
      const frames = snaps.map((snap) => {
        drawFrame(ctx, snap, title(snap));
        return ctx.getImageData(0, 0, FRAME.width, FRAME.height).data;
      });
      const blob = await encodeApng(frames, FRAME.width, FRAME.height, REPLAY_MS);
      hooks.download(blob, 'vae-training-timeline.png');
    } finally {
      $('timeline-apng').disabled = false;
    }
  }

  /** Every snapshot as a frame of a WebM video, REPLAY_MS each: the frame canvas recorded by MediaRecorder,
   *  one requested frame a snapshot, in real time. */
  async function exportWebm() {
    if (!snaps.length) return;
    const type = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'].find((m) => MediaRecorder.isTypeSupported(m));
    if (!type) { hooks.info(() => t('This browser cannot record a WebM video; the animated PNG works everywhere.')); return; }
    $('timeline-webm').disabled = true;
    const canvas = document.createElement('canvas');
    canvas.width = FRAME.width;
    canvas.height = FRAME.height;
    const ctx = canvas.getContext('2d');
    const stream = canvas.captureStream(0);
    const [track] = stream.getVideoTracks();
    const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4_000_000 });
    const parts = [];
    recorder.ondataavailable = (e) => { if (e.data.size) parts.push(e.data); };
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      drawFrame(ctx, snaps[0], title(snaps[0]));
      recorder.start();
      for (const [k, snap] of snaps.entries()) {
        text($('timeline-info'), () => t('Recording the video: frame {k} of {n}…', { k: k + 1, n: snaps.length }));
        drawFrame(ctx, snap, title(snap));
        track.requestFrame();
        await wait(REPLAY_MS);
      }
      recorder.stop();
      await stopped;
      hooks.download(new Blob(parts, { type: 'video/webm' }), 'vae-training-timeline.webm');
    } finally {
      track.stop();
      $('timeline-webm').disabled = false;
      render();
    }
  }

  /** Forgets the timeline (a new model). */
  function clear() {
    if (replay) toggleReplay();
    snaps = [];
    every = Number($('timeline-every').value);
    store(() => clearTimeline());
    render();
  }

  /** The timeline of the checkpoint being resumed, from storage: its snapshots up to the checkpoint's step. */
  async function restore(upTo = Infinity) {
    if (replay) toggleReplay();
    try {
      await writes;
      const saved = (await loadTimeline()) ?? [];
      snaps = saved.filter((s) => s.step <= upTo);
      const later = saved.filter((s) => s.step > upTo).map((s) => s.step);
      if (later.length) store(() => deleteSnapshots(later));
      every = Number($('timeline-every').value);
      while (snaps.length > 1 && snaps[1].step - snaps[0].step > every) every *= 2;
      render(snaps.length - 1);
    } catch (e) {
      hooks.info(() => t('The timeline could not be read: {why}.', { why: e.message }));
    }
  }

  $('timeline-pos').addEventListener('input', (e) => render(Number(e.target.value)));
  $('timeline-play').addEventListener('click', toggleReplay);
  $('timeline-apng').addEventListener('click', exportApng);
  $('timeline-webm').addEventListener('click', exportWebm);
  $('timeline-every').addEventListener('change', (e) => {
    const v = Math.round(Number(e.target.value));
    if (!Number.isFinite(v) || v < 10 || v > 10000) {
      e.target.value = String(every);
      hooks.info(() => t('Snapshots are taken every 10 to 10,000 steps.'));
      return;
    }
    every = v;
    render();
  });
  onLang(() => render());
  return { add, clear, restore, get snapshots() { return snaps; }, get every() { return every; }, written: () => writes };
}
