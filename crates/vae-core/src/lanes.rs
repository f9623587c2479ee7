//! Loading four f32 lanes from a slice, for the passes that work four at a time (the loss, the sigmoid,
//! AdamW, the product kernel): a full group of four, the last one to three padded with zeros, and, for the
//! kernel's inner loop, four read unchecked.

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
