// What each fuzz target checks for one input: shared by the cargo-fuzz targets (`include!`) and by
// vae-core's corpus replay test (`#[path]`), so that the two cannot drift apart.
#[allow(unused_imports)]
use vae_core::idx::{parse, Dataset};
#[allow(unused_imports)]
use vae_core::Vae;

/// The IDX parser on arbitrary bytes: an images file and a labels file (split at a point the first two bytes
/// choose), and the bare parser with each dimension count. Any input gives Ok or an Error; what parses
/// writes back to the same bytes.
#[allow(dead_code)]
pub fn idx_case(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let rest = &data[2..];
    let cut = (u16::from_le_bytes([data[0], data[1]]) as usize).min(rest.len());
    let (images, labels) = rest.split_at(cut);
    if let Ok(d) = Dataset::from_idx(images, labels) {
        assert_eq!(d.images.len(), d.len() * 784);
        assert!(d.labels.iter().all(|&l| l <= 9));
        assert_eq!(d.images_idx(), images);
    }
    for ndim in 0..=4 {
        let _ = parse(rest, ndim, "fuzz");
    }
}

/// The weights loader on arbitrary bytes (ours with any family's metadata, or a PyTorch layout): Ok or an
/// Error, never a panic, hang or runaway allocation. A model it accepts decodes to probabilities in [0, 1]
/// (in its last class, for a CVAE) and encodes to a code of its latent size, with a log sigma^2 exactly when
/// its family has one, or says in an Error that it cannot. Returns whether the file was accepted.
#[allow(dead_code)]
pub fn weights_case(data: &[u8]) -> bool {
    let Ok(vae) = Vae::from_safetensors(data) else { return false };
    let cfg = vae.config().clone();
    let y = cfg.conditional().then(|| vec![(cfg.classes - 1) as u8]);
    let z = vec![0.5f32; cfg.latent];
    if let Ok(px) = vae.decode_slice(&z, y.as_deref()) {
        assert!(px.iter().all(|p| (0.0..=1.0).contains(p)), "{px:?}");
    }
    if let Ok((mu, logvar)) = vae.encode_slice(&vec![0.25f32; cfg.input], y.as_deref()) {
        assert_eq!(mu.len(), cfg.latent);
        assert_eq!(logvar.map(|v| v.len()), cfg.family.gaussian().then_some(cfg.latent));
    }
    true
}
