//! The matrix product of the wasm build: y = a b^T with both factors row-major, so that the summed index runs
//! along each factor's rows ("dot form"). Four rows of `a` against two rows of `b` at a time, four lanes of
//! the summed index per vector, eight accumulators: on x86-64 V8 keeps them and the six loads in registers.
//! No packing: each pair of `b` rows (at most 6 KB for the model's layers) stays in L1 while all of `a`
//! streams past it.
//!
//! Why by hand, beside `gemm`: in Chromium 156 here, a scratch wasm module timed gemm's simd128 kernel
//! (12 x 4 tiles over packed panels) and this tile call for call, in three browser launches: the probe's
//! product (100 x 784 by 784 x 512) ran at 27.7-29.7 GFLOP/s in gemm and 38.2-40.1 in this tile, the 20 x 20
//! grid's (400 x 512 by 512 x 784) at 29.2-30.0 and 36.9-37.8. Natively gemm stays: its AVX2 kernels and
//! threads are faster there.
//!
//! The other products of a step become this form by transposing: dx = dy W is dy (W^T)^T, and
//! dW = dy^T x is (dy^T) (x^T)^T. [`transpose`] does that.

use wide::f32x4;

use crate::lanes::{load, madd};

/// Rows of `a` per tile.
const MR: usize = 4;
/// Rows of `b` per tile.
const NR: usize = 2;

/// y (m, n) = [y +] a (m, k) b (n, k)^T, with m and n from the lengths of `a` and `b`.
pub fn product_t(a: &[f32], b: &[f32], k: usize, y: &mut [f32], add: bool) {
    assert!(k > 0 && a.len().is_multiple_of(k) && b.len().is_multiple_of(k), "factors are not rows of {k}");
    let (m, n) = (a.len() / k, b.len() / k);
    assert_eq!(y.len(), m * n, "product destination");
    for j in (0..n).step_by(NR) {
        let nr = NR.min(n - j);
        let bj = &b[j * k..(j + nr) * k];
        for i in (0..m).step_by(MR) {
            let mr = MR.min(m - i);
            let ai = &a[i * k..(i + mr) * k];
            let yi = &mut y[i * n..];
            match (mr, nr) {
                (4, 2) => tile::<4, 2>(ai, bj, k, yi, n, j, add),
                (4, 1) => tile::<4, 1>(ai, bj, k, yi, n, j, add),
                (3, 2) => tile::<3, 2>(ai, bj, k, yi, n, j, add),
                (3, 1) => tile::<3, 1>(ai, bj, k, yi, n, j, add),
                (2, 2) => tile::<2, 2>(ai, bj, k, yi, n, j, add),
                (2, 1) => tile::<2, 1>(ai, bj, k, yi, n, j, add),
                (1, 2) => tile::<1, 2>(ai, bj, k, yi, n, j, add),
                _ => tile::<1, 1>(ai, bj, k, yi, n, j, add),
            }
        }
    }
}

/// R rows of `a` (R * k numbers) against C rows of `b`, into y[r * n + j + c]. Not inlined: as one function
/// per tile shape, the products with k = 100 (the weight gradients) ran about 10 % faster in Chromium.
#[inline(never)]
fn tile<const R: usize, const C: usize>(a: &[f32], b: &[f32], k: usize, y: &mut [f32], n: usize, j: usize, add: bool) {
    // Each row sliced once (bounds checked here), then read unchecked by `load`.
    let rows: [&[f32]; R] = std::array::from_fn(|r| &a[r * k..(r + 1) * k]);
    let cols: [&[f32]; C] = std::array::from_fn(|c| &b[c * k..(c + 1) * k]);
    let mut acc = [[f32x4::ZERO; C]; R];
    let full = k / 4 * 4;
    for q in 0..k / 4 {
        // SAFETY: 4 q + 4 <= full <= k, the length of every row.
        let bv: [f32x4; C] = std::array::from_fn(|c| unsafe { load(cols[c], 4 * q) });
        for r in 0..R {
            let av = unsafe { load(rows[r], 4 * q) };
            for c in 0..C {
                acc[r][c] = madd(av, bv[c], acc[r][c]);
            }
        }
    }
    for r in 0..R {
        for c in 0..C {
            let mut s = sum(acc[r][c]);
            if full < k {
                s += (full..k).map(|q| rows[r][q] * cols[c][q]).sum::<f32>();
            }
            let out = &mut y[r * n + j + c];
            *out = if add { *out + s } else { s };
        }
    }
}

/// The sum of the four lanes, ((l0 + l2) + (l1 + l3)): the same code on every target, so the native tests
/// check the sums wasm makes.
#[inline(always)]
fn sum(v: f32x4) -> f32 {
    let [l0, l1, l2, l3] = v.to_array();
    (l0 + l2) + (l1 + l3)
}

/// dst (cols, rows) = src (rows, cols)^T: four by four through vector registers, along dst's rows (each
/// written in order); the edges one by one.
pub fn transpose(src: &[f32], rows: usize, dst: &mut [f32]) {
    assert!(rows > 0 && src.len().is_multiple_of(rows) && dst.len() == src.len(), "transpose shapes");
    let cols = src.len() / rows;
    let (r4, c4) = (rows / 4 * 4, cols / 4 * 4);
    for c in (0..c4).step_by(4) {
        for r in (0..r4).step_by(4) {
            // SAFETY: r + 3 < rows and c + 4 <= cols, so each read stays in src's row r + i.
            let block = f32x4::transpose(std::array::from_fn(|i| unsafe { load(src, (r + i) * cols + c) }));
            for (i, v) in block.iter().enumerate() {
                let at = (c + i) * rows + r;
                dst[at..at + 4].copy_from_slice(v.as_array_ref());
            }
        }
    }
    for r in 0..rows {
        let from = if r < r4 { c4 } else { 0 };
        for c in from..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every shape's tiles and edges (m, n up to 9 cover the 4 x 2 tile and each partial one; k up to 11
        /// covers no full group of four, one, two, and each tail), with and without accumulating, against the
        /// plain triple loop in f64.
        #[test]
        fn product_t_is_a_times_b_transposed(m in 1usize..10, n in 1usize..10, k in 1usize..12, add: bool, seed: u64) {
            let fill = |len: usize, salt: u64| -> Vec<f32> {
                (0..len as u64).map(|i| (((i + salt) * 2_654_435_761 + seed % 1000) % 997) as f32 / 498.0 - 1.0).collect()
            };
            let (a, b, y0) = (fill(m * k, 1), fill(n * k, 2), fill(m * n, 3));
            let mut y = y0.clone();
            product_t(&a, &b, k, &mut y, add);
            for i in 0..m {
                for j in 0..n {
                    let dot: f64 = (0..k).map(|q| a[i * k + q] as f64 * b[j * k + q] as f64).sum();
                    let want = dot + if add { y0[i * n + j] as f64 } else { 0.0 };
                    prop_assert!((y[i * n + j] as f64 - want).abs() <= 1e-5, "({i}, {j}): {} against {want}", y[i * n + j]);
                }
            }
        }

        #[test]
        fn transpose_swaps_rows_and_columns(rows in 1usize..20, cols in 1usize..20) {
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let mut dst = vec![f32::NAN; src.len()];
            transpose(&src, rows, &mut dst);
            for r in 0..rows {
                for c in 0..cols {
                    prop_assert_eq!(dst[c * rows + r], src[r * cols + c]);
                }
            }
        }
    }
}
