//! Loading four f32 lanes from a slice, for the passes that work four at a time (the loss, the sigmoid,
//! AdamW): a full group of four, and the last one to three padded with zeros.

use wide::f32x4;

/// The four numbers of `s`, which holds exactly four.
pub(crate) fn quad(s: &[f32]) -> f32x4 {
    f32x4::from(<[f32; 4]>::try_from(s).expect("four"))
}

/// The one to four numbers of `s`, followed by zeros.
pub(crate) fn padded(s: &[f32]) -> f32x4 {
    f32x4::from(std::array::from_fn(|i| s.get(i).copied().unwrap_or(0.0)))
}
