// The instruction-set peak of this CPU in wasm: f32x4 multiply-adds from registers, no memory traffic. Each
// function `peak_K` has K independent accumulators, each updated by a = a·x + y per round, U rounds unrolled in
// a loop of n iterations: enough chains to hide the mul-add latency, few enough for the 16 vector registers
// V8 allocates on x86-64. Which K is fastest depends on the CPU and on V8's register allocation, so the bench
// runs K = 8, 12 and 16 and keeps the best. Two builds: SIMD128 (f32x4.mul then f32x4.add: what our kernels
// use) and relaxed SIMD (f32x4.relaxed_madd, fused where the CPU has FMA). Compiled by wabt (npm).
import wabtInit from 'wabt';

export const ACCUMULATORS = [8, 12, 16];
const UNROLL = 4;
/** Floating-point operations of one loop iteration of peak_K: K accumulators × U rounds × 4 lanes × (mul + add). */
export const flopsPerIteration = (k) => k * UNROLL * 4 * 2;

function func(k, relaxed) {
  const acc = Array.from({ length: k }, (_, i) => `$a${i}`);
  const update = (a) => (relaxed
    ? `(local.set ${a} (f32x4.relaxed_madd (local.get ${a}) (local.get $x) (local.get $y)))`
    : `(local.set ${a} (f32x4.add (f32x4.mul (local.get ${a}) (local.get $x)) (local.get $y)))`);
  const sum = acc.slice(1).reduce((s, a) => `(f32x4.add ${s} (local.get ${a}))`, `(local.get ${acc[0]})`);
  return `
  (func (export "peak_${k}") (param $n i32) (result f32)
    ${acc.map((a) => `(local ${a} v128)`).join(' ')} (local $x v128) (local $y v128)
    (local.set $x (f32x4.splat (f32.const 0.9990234375)))
    (local.set $y (f32x4.splat (f32.const 0.0009765625)))
    ${acc.map((a, k) => `(local.set ${a} (f32x4.splat (f32.const ${k + 1})))`).join('\n    ')}
    (loop $l
      ${Array.from({ length: UNROLL }, () => acc.map(update).join('\n      ')).join('\n      ')}
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 ${sum}))`;
}

const wat = (relaxed) => `(module ${ACCUMULATORS.map((k) => func(k, relaxed)).join('')})`;

/** The two builds' bytes: { simd128, relaxed }. */
export async function peakModules() {
  const wabt = await wabtInit();
  const build = (relaxed) => {
    const m = wabt.parseWat(`peak-${relaxed ? 'relaxed' : 'simd128'}.wat`, wat(relaxed), { simd: true, relaxed_simd: relaxed });
    try { return new Uint8Array(m.toBinary({}).buffer); } finally { m.destroy(); }
  };
  return { simd128: build(false), relaxed: build(true) };
}
