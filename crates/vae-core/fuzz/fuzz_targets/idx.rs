//! The IDX parser on arbitrary bytes: an images file and a labels file (split at a point the first two
//! bytes choose), and the bare parser with each dimension count. Any input must give Ok or an Error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_core::idx::{parse, Dataset};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let rest = &data[2..];
    let cut = (u16::from_le_bytes([data[0], data[1]]) as usize).min(rest.len());
    let (images, labels) = rest.split_at(cut);
    if let Ok(d) = Dataset::from_idx(images, labels) {
        assert_eq!(d.images.len(), d.len() * 784);
        assert!(d.labels.iter().all(|&l| l <= 9));
        // What parses writes back to the same bytes.
        assert_eq!(d.images_idx(), images);
    }
    for ndim in 0..=4 {
        let _ = parse(rest, ndim, "fuzz");
    }
});
