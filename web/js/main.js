// DOM wiring: loading with progress, the latent plane, live decoding (at most one decode per frame).
import { loadDefaultModel } from './model.js';
import { LatentPlane } from './plane.js';
import { paintDigit } from './digit.js';

const $ = (id) => document.getElementById(id);
const digitCanvas = $('digit');
const readout = $('z-readout');

let vae = null;
let pending = null;
let frame = 0;

const plane = new LatentPlane($('latent'), { range: 4, onPick: requestDecode });

/** Queues z; the newest point is drawn and decoded on the next animation frame, stale points are dropped. */
function requestDecode(z) {
  pending = z;
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  if (!pending || !vae) return;
  const z = pending;
  pending = null;
  plane.setZ(z);
  try {
    paintDigit(digitCanvas, vae.decode(Float32Array.from(z)));
  } catch (e) {
    showError(`Decoding failed: ${e.message}`);
    return;
  }
  readout.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
  readout.dataset.z1 = String(z[0]);
  readout.dataset.z2 = String(z[1]);
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

async function start() {
  const progress = $('load-progress');
  try {
    vae = await loadDefaultModel((f) => { progress.value = f; });
  } catch (e) {
    document.body.dataset.state = 'error';
    showError(e.message);
    return;
  }
  const cfg = vae.config;
  $('model-info').textContent =
    `Model: ${cfg.input}-${cfg.hidden.join('-')}-${cfg.latent} MLP VAE, ${vae.numParams.toLocaleString('en')} parameters.`;
  document.body.dataset.state = 'ready';
  requestDecode([0, 0]);
}

start();
