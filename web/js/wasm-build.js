// Which build of the wasm core this browser runs. scripts/lib.sh builds each module twice: SIMD128, and
// relaxed SIMD, whose product kernel multiplies and adds in one f32x4.relaxed_madd (fused where the CPU has
// FMA; 1.2-1.3x the SIMD128 build's products in Chromium here, see BENCHMARKS.md). Both builds share one JS
// glue, so only the .wasm file differs. The relaxed one is used where WebAssembly.validate accepts a tiny
// module that uses relaxed_madd; `?wasm=simd128` in the page's address chooses the SIMD128 one, and workers
// started with `withBuild` run the build the page runs.

import { fetchBytes } from './assets.js';

// (module (func (param v128 v128 v128) (result v128)
//   (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))
// as wabt 1.0.39 compiles it (checked byte for byte when this was written).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // its code
]);

/** True where this browser's WebAssembly has relaxed SIMD. */
export const hasRelaxedSimd = (() => {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
})();

const asked = new URL(self.location.href).searchParams.get('wasm');

/** 'relaxed' or 'simd128': the asked build where this browser can run it, else the best it can. */
export const wasmBuild = asked === 'simd128' || !hasRelaxedSimd ? 'simd128' : 'relaxed';

/** The URL of a build of a module of pkg/ ('vae_wasm' or 'vae_train'). */
function wasmUrl(name, build = wasmBuild) {
  return new URL(`../pkg/${name}${build === 'relaxed' ? '_relaxed' : ''}_bg.wasm`, import.meta.url);
}

/**
 * Fetches and instantiates the chosen build of `name` with its wasm-bindgen `init`; if the relaxed build
 * fails (a missing file, a compile error), the SIMD128 build instead. Resolves to init's exports, with the
 * build that ran in `loaded.build`.
 */
export async function loadBuild(name, init, onProgress) {
  const load = async (build) => {
    const exports = await init({ module_or_path: await fetchBytes(wasmUrl(name, build), onProgress) });
    loaded.build = build;
    return exports;
  };
  if (wasmBuild === 'simd128') return load('simd128');
  try {
    return await load('relaxed');
  } catch (e) {
    console.warn(`the relaxed-SIMD build of ${name} did not load (${e.message}); using the SIMD128 build`);
    return load('simd128');
  }
}

/** The build this context instantiated last ('relaxed' or 'simd128'), or null before any. */
export const loaded = { build: null };

/** A worker script's URL that carries the page's build, so that the worker loads the one the page runs. */
export function withBuild(url) {
  const u = new URL(url);
  u.searchParams.set('wasm', loaded.build ?? wasmBuild);
  return u;
}
