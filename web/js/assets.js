// Fetching the page's own files as bytes, with progress and errors in words. DOM-free: the worker uses it.
import { Said } from './i18n/i18n.js';

export const WEIGHTS_URL = new URL('../models/mnist-2d.safetensors', import.meta.url);

/** Fetches `url` as bytes, calling onProgress(loaded, total) as chunks arrive (total may be 0 if unknown). */
export async function fetchBytes(url, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Said('could not reach {path} ({why})', { path: url.pathname ?? url, why: e.message });
  }
  if (!response.ok) throw new Said('the server answered {status} for {path}', { status: `${response.status} ${response.statusText}`, path: url.pathname ?? url });
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return bytes;
}
