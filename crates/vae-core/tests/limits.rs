//! The limits the README states, at their edges: the last value allowed is accepted and the first past it is
//! refused, naming the field. The parameter counts are worked out here by hand, not taken from `num_params`.

use candle_core::DType;
use vae_core::weights::MAX_BYTES;
use vae_core::{TrainConfig, Trainer, Vae, VaeConfig};

fn check(hidden: &[usize], latent: usize) -> Result<(), String> {
    let cfg = VaeConfig { hidden: hidden.to_vec(), latent, ..Default::default() };
    cfg.validate().map_err(|e| e.to_string())
}

#[test]
fn latent_sizes_1_to_64() {
    assert!(check(&[16], 1).is_ok());
    assert!(check(&[16], 64).is_ok());
    for bad in [0, 65] {
        let e = check(&[16], bad).unwrap_err();
        assert!(e.contains("latent") && e.contains(&format!("must be 1 to 64, got {bad}")), "{e}");
    }
}

#[test]
fn one_to_four_hidden_layers_of_at_most_4096_units() {
    assert!(check(&[8, 8, 8, 8], 2).is_ok());
    let e = check(&[8, 8, 8, 8, 8], 2).unwrap_err();
    assert!(e.contains("hidden") && e.contains("must list 1 to 4 layer sizes, got 5"), "{e}");
    let e = check(&[], 2).unwrap_err();
    assert!(e.contains("must list 1 to 4 layer sizes, got 0"), "{e}");
    assert!(check(&[4096], 2).is_ok());
    let e = check(&[4097], 2).unwrap_err();
    assert!(e.contains("layer sizes must be 1 to 4096, got 4097"), "{e}");
    let e = check(&[0], 2).unwrap_err();
    assert!(e.contains("layer sizes must be 1 to 4096, got 0"), "{e}");
}

/// Parameters of a 784-a-b-latent VAE with a mirrored decoder, counted layer by layer.
fn params(a: usize, b: usize, latent: usize) -> usize {
    let dense = |i: usize, o: usize| i * o + o;
    dense(784, a) + dense(a, b) + 2 * dense(b, latent) + dense(latent, b) + dense(b, a) + dense(a, 784)
}

#[test]
fn at_most_16_million_parameters() {
    // 784-4096-b-2: 6,431,508 + 8,200 b parameters, so b = 1166 is the last that fits under 16,000,000.
    assert_eq!(params(4096, 1166, 2), 15_992_708);
    assert_eq!(params(4096, 1167, 2), 16_000_908);
    let cfg = VaeConfig { hidden: vec![4096, 1166], ..Default::default() };
    assert_eq!(cfg.num_params(), 15_992_708);
    assert!(cfg.validate().is_ok());
    let e = check(&[4096, 1167], 2).unwrap_err();
    assert!(e.contains("the model would have 16000908 parameters; at most 16000000"), "{e}");
}

#[test]
fn files_up_to_64_mib_are_read_and_larger_ones_refused_before_parsing() {
    let tr = Trainer::new(VaeConfig { hidden: vec![8], ..Default::default() }, TrainConfig::default()).unwrap();
    let mut bytes = tr.to_safetensors(DType::F32).unwrap();
    assert_eq!(MAX_BYTES, 64 * 1024 * 1024);
    // Exactly 64 MiB: read, and refused only for what the padding does to it (data the header does not cover).
    bytes.resize(MAX_BYTES, 0);
    let e = Vae::from_safetensors(&bytes).err().unwrap().to_string();
    assert!(e.contains("the header does not match the data"), "{e}");
    // One byte more: refused by its size.
    bytes.push(0);
    let e = Vae::from_safetensors(&bytes).err().unwrap().to_string();
    assert!(
        e.contains(
            "the file is 64 MiB (67108865 bytes); weights files for this explorer are at most 64 MiB (67108864 bytes)"
        ),
        "{e}"
    );
}
