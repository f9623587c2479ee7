//! Loading four f32 lanes from a slice, for the passes that work four at a time (the loss, the sigmoid,
//! AdamW, the product kernel): a full group of four, the last one to three padded with zeros, and, for the
//! kernel's inner loop, four read unchecked; and the kernel's multiply-add.

use wide::f32x4;

/// The four numbers of `s`, which holds exactly four.
pub(crate) fn quad(s: &[f32]) -> f32x4 {
    f32x4::from(<[f32; 4]>::try_from(s).expect("four"))
}

/// The four numbers of `s` from `i`, without a bounds check: a checked read in the product kernel's inner
/// loop cost 15-30 % of its speed in Chromium.
///
/// # Safety
/// `i + 4 <= s.len()`.
#[inline(always)]
pub(crate) unsafe fn load(s: &[f32], i: usize) -> f32x4 {
    f32x4::from(s.as_ptr().add(i).cast::<[f32; 4]>().read_unaligned())
}

/// The one to four numbers of `s`, followed by zeros.
pub(crate) fn padded(s: &[f32]) -> f32x4 {
    f32x4::from(std::array::from_fn(|i| s.get(i).copied().unwrap_or(0.0)))
}

/// a b + c, four lanes. In the relaxed-SIMD wasm build (`-C target-feature=+relaxed-simd`, see
/// `scripts/lib.sh`), one `f32x4.relaxed_madd`: fused on a CPU with FMA (one rounding instead of two), so
/// that build's sums may differ from the SIMD128 build's in their last bits. Everywhere else, a multiply
/// then an add (`wide` fuses only natively with `+fma`).
#[inline(always)]
pub(crate) fn madd(a: f32x4, b: f32x4, c: f32x4) -> f32x4 {
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    {
        use core::arch::wasm32::{f32x4_relaxed_madd, v128};
        // f32x4 is a 16-byte wrapper of v128 on wasm (bytemuck::Pod in `wide`): the casts are plain copies.
        let v = |x: f32x4| -> v128 { simd_cast(x) };
        simd_cast(f32x4_relaxed_madd(v(a), v(b), v(c)))
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
    {
        a.mul_add(b, c)
    }
}

/// A copy of a 16-byte SIMD value as another 16-byte SIMD type.
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
fn simd_cast<A: Copy, B: Copy>(a: A) -> B {
    const { assert!(size_of::<A>() == 16 && size_of::<B>() == 16) };
    // SAFETY: both are 16 bytes of plain lanes with no invalid bit patterns (checked size above).
    unsafe { std::mem::transmute_copy(&a) }
}
