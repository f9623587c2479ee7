// Fetching the page's own files as bytes, with progress and errors in words. DOM-free: the worker uses it.

export const WEIGHTS_URL = new URL('../models/mnist-2d.safetensors', import.meta.url);

/** Fetches `url` as bytes, calling onProgress(loaded, total) as chunks arrive (total may be 0 if unknown). */
export async function fetchBytes(url, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not reach ${url.pathname ?? url} (${e.message})`);
  }
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText} for ${url.pathname ?? url}`);
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
