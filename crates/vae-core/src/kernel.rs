//! The matrix products of the wasm build: [`product_t`] forward and [`product_nn`] backward. [`product_t`]:
//! y = a b^T with both factors row-major, so that the summed index runs along each factor's rows ("dot form").
//! Four rows of `a` against two rows of `b` at a time, four lanes of the summed index per vector, eight
//! accumulators: on x86-64 V8 keeps them and the six loads in registers.
//! No packing: each pair of `b` rows (at most 6 KB for the model's layers) stays in L1 while all of `a`
//! streams past it.
//!
//! Why by hand, beside `gemm`: in Chromium 156 here, a scratch wasm module timed gemm's simd128 kernel
//! (12 x 4 tiles over packed panels) and this tile call for call, in three browser launches: the probe's
//! product (100 x 784 by 784 x 512) ran at 27.7-29.7 GFLOP/s in gemm and 38.2-40.1 in this tile, the 20 x 20
//! grid's (400 x 512 by 512 x 784) at 29.2-30.0 and 36.9-37.8. Natively gemm stays: its AVX2 kernels and
//! threads are faster there.
//!
//! The backward pass's products, dx = dy W and dW = dy^T x, have their summed index along a factor's
//! columns. [`product_nn`] takes them as they lie ("broadcast form"); transposing them into dot form first
//! cost a copy of each factor per product. Training the 784-512-2 VAE in a Chromium worker (relaxed build,
//! alternated with the transposing build in one page): 7,815 against 7,378 samples/s (medians of 18 windows of
//! 40 steps; the broadcast build ahead in 5 of 6 rounds), 7,551 against 7,275 in another run, and 4,384
//! against 3,882 while a test run shared the host.

use wide::f32x4;

use crate::lanes::{load, madd, quad};

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

/// Rows of `y` per broadcast tile.
const BR: usize = 4;

/// y (m, n) = [y +] a b, with `b` (k, n) row-major and element (i, q) of `a` (m, k) at
/// `a[i * a_row + q * a_col]`: the "broadcast form", for the backward pass's products, whose factors come
/// as they lie (dx = dy W reads dy by rows, dW = dy^T x by columns) with no transposing. Four rows of y by
/// eight columns at a time: for each q, four numbers of `a` broadcast against two vectors of b's row q, into
/// eight accumulators that are y's own numbers (no sum across lanes at the end). The column tiles are the
/// outer loop, so that b's panel (k rows of eight) stays in L1 while `a` streams past it. Not XNNPACK's other
/// shape, 6 x 8: its twelve accumulators, two vectors of b and the broadcast fill 15 of x86-64's 16 vector
/// registers, and training ran at 5,204 against 6,592 samples/s with it (the same page, 9 windows each).
#[allow(clippy::too_many_arguments)]
pub fn product_nn(a: &[f32], a_row: usize, a_col: usize, m: usize, b: &[f32], k: usize, y: &mut [f32], add: bool) {
    assert!(k > 0 && m > 0 && b.len().is_multiple_of(k), "b is not k = {k} rows");
    let n = b.len() / k;
    assert_eq!(y.len(), m * n, "product destination");
    assert!((m - 1) * a_row + (k - 1) * a_col < a.len(), "a is too short for {m} x {k} at its strides");
    let full = n / 4 * 4;
    let mut c = 0;
    while c < full {
        let vectors = if c + 8 <= full { 2 } else { 1 };
        for i in (0..m).step_by(BR) {
            let (ai, yi) = (&a[i * a_row..], &mut y[i * n..]);
            match (BR.min(m - i), vectors) {
                (4, 2) => btile::<4, 2>(ai, a_row, a_col, b, n, k, yi, c, add),
                (3, 2) => btile::<3, 2>(ai, a_row, a_col, b, n, k, yi, c, add),
                (2, 2) => btile::<2, 2>(ai, a_row, a_col, b, n, k, yi, c, add),
                (1, 2) => btile::<1, 2>(ai, a_row, a_col, b, n, k, yi, c, add),
                (4, _) => btile::<4, 1>(ai, a_row, a_col, b, n, k, yi, c, add),
                (3, _) => btile::<3, 1>(ai, a_row, a_col, b, n, k, yi, c, add),
                (2, _) => btile::<2, 1>(ai, a_row, a_col, b, n, k, yi, c, add),
                _ => btile::<1, 1>(ai, a_row, a_col, b, n, k, yi, c, add),
            }
        }
        c += 4 * vectors;
    }
    // The last one to three columns, one number at a time, summed in the same order (q = 0, 1, ...).
    for i in 0..m {
        for c in full..n {
            let s = (0..k).fold(0f32, |s, q| s + a[i * a_row + q * a_col] * b[q * n + c]);
            let out = &mut y[i * n + c];
            *out = if add { *out + s } else { s };
        }
    }
}

/// R rows of y by V vectors of its columns from column `c`; `a` and `y` start at the tile's first row.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn btile<const R: usize, const V: usize>(
    a: &[f32],
    a_row: usize,
    a_col: usize,
    b: &[f32],
    n: usize,
    k: usize,
    y: &mut [f32],
    c: usize,
    add: bool,
) {
    // Every read below is inside its slice (checked once here, then read unchecked).
    assert!((R - 1) * a_row + (k - 1) * a_col < a.len() && (k - 1) * n + c + 4 * V <= b.len());
    assert!((R - 1) * n + c + 4 * V <= y.len());
    let mut acc = [[f32x4::ZERO; V]; R];
    for q in 0..k {
        // SAFETY: q < k and c + 4 V <= n, checked against b's length above.
        let bv: [f32x4; V] = std::array::from_fn(|v| unsafe { load(b, q * n + c + 4 * v) });
        for (r, row) in acc.iter_mut().enumerate() {
            // SAFETY: r < R and q < k, checked against a's length above.
            let av = f32x4::splat(unsafe { *a.get_unchecked(r * a_row + q * a_col) });
            for (s, &bq) in row.iter_mut().zip(&bv) {
                *s = madd(av, bq, *s);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (v, &s) in row.iter().enumerate() {
            let at = r * n + c + 4 * v;
            let out = &mut y[at..at + 4];
            let s = if add { quad(out) + s } else { s };
            out.copy_from_slice(s.as_array_ref());
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `len` numbers in [-1, 1), spread by a multiplicative hash of their index, `salt` and `seed`.
    fn fill(len: usize, salt: u64, seed: u64) -> Vec<f32> {
        (0..len as u64).map(|i| (((i + salt) * 2_654_435_761 + seed % 1000) % 997) as f32 / 498.0 - 1.0).collect()
    }

    proptest! {
        /// Every shape's tiles and edges (m, n up to 9 cover the 4 x 2 tile and each partial one; k up to 11
        /// covers no full group of four, one, two, and each tail), with and without accumulating, against the
        /// plain triple loop in f64.
        #[test]
        fn product_t_is_a_times_b_transposed(m in 1usize..10, n in 1usize..10, k in 1usize..12, add: bool, seed: u64) {
            let fill = |len, salt| fill(len, salt, seed);
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

        /// The broadcast form at every edge (n up to 19: two-vector tiles, a one-vector tile, scalar columns),
        /// with `a` read by rows and by columns, against the triple loop in f64.
        #[test]
        fn product_nn_is_a_times_b(m in 1usize..10, n in 1usize..20, k in 1usize..12, by_cols: bool, add: bool, seed: u64) {
            let fill = |len, salt| fill(len, salt, seed);
            let (a, b, y0) = (fill(m * k, 1), fill(k * n, 2), fill(m * n, 3));
            // By columns: a is stored (k, m), as dy is for dW = dy^T x.
            let (a_row, a_col) = if by_cols { (1, m) } else { (k, 1) };
            let mut y = y0.clone();
            product_nn(&a, a_row, a_col, m, &b, k, &mut y, add);
            for i in 0..m {
                for j in 0..n {
                    let dot: f64 = (0..k).map(|q| a[i * a_row + q * a_col] as f64 * b[q * n + j] as f64).sum();
                    let want = dot + if add { y0[i * n + j] as f64 } else { 0.0 };
                    prop_assert!((y[i * n + j] as f64 - want).abs() <= 1e-5, "({i}, {j}): {} against {want}", y[i * n + j]);
                }
            }
        }
    }
}
