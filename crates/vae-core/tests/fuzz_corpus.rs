//! Replays the committed cargo-fuzz corpus (`crates/vae-core/fuzz/corpus/`, grown by `scripts/fuzz`) through
//! the parsers, as the fuzz targets do, on the stable toolchain in every test run: every input found
//! interesting once must still give Ok or an Error, never a panic.
//!
//! `VAE_WRITE_FUZZ_SEEDS=1 cargo test -p vae-core --test fuzz_corpus` writes the seed inputs (valid small
//! files the fuzzer mutates from) into the corpus.

use std::fs;
use std::path::{Path, PathBuf};

use candle_core::{DType, Tensor};
use vae_core::config::Family;
use vae_core::idx::{encode, Dataset};
use vae_core::{TrainConfig, Trainer, VaeConfig};

#[path = "../fuzz/cases.rs"]
mod cases;
use cases::{idx_case, weights_case};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus").join(target)
}

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus(target);
    let mut out: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_idx_corpus_parses_or_errs() {
    maybe_write_seeds();
    let all = inputs("idx");
    assert!(all.len() >= 3, "the idx corpus has {} inputs", all.len());
    for (name, data) in &all {
        let r = std::panic::catch_unwind(|| idx_case(data));
        assert!(r.is_ok(), "idx corpus input {name} panicked");
    }
}

#[test]
fn the_weights_corpus_loads_or_errs() {
    maybe_write_seeds();
    let all = inputs("weights");
    assert!(all.len() >= 2, "the weights corpus has {} inputs", all.len());
    let mut accepted = 0;
    for (name, data) in &all {
        match std::panic::catch_unwind(|| weights_case(data)) {
            Err(_) => panic!("weights corpus input {name} panicked"),
            Ok(true) => accepted += 1,
            Ok(false) => {}
        }
    }
    assert!(accepted >= 1, "the seeds include valid files");
}

/// Seeds: two valid tiny IDX pairs; a valid tiny weights file in f32 and f16, an AE's and a CVAE's (input
/// 4, so the fuzzer works on a few hundred bytes rather than megabytes); and the same VAE in the two PyTorch
/// layouts, without metadata.
fn maybe_write_seeds() {
    if std::env::var_os("VAE_WRITE_FUZZ_SEEDS").is_none() {
        return;
    }
    let pair = |n: usize| {
        let d = Dataset::new((0..n * 784).map(|i| (i % 256) as u8).collect(), (0..n).map(|i| i as u8 % 10).collect())
            .unwrap();
        let img = d.images_idx();
        let mut out = (img.len() as u16).to_le_bytes().to_vec();
        out.extend(img);
        out.extend(d.labels_idx());
        out
    };
    fs::create_dir_all(corpus("idx")).unwrap();
    fs::write(corpus("idx").join("seed-1-image"), pair(1)).unwrap();
    fs::write(corpus("idx").join("seed-2-images"), pair(2)).unwrap();
    let mut labels_only = vec![0, 0];
    labels_only.extend(encode(&[3], &[1, 2, 3]));
    fs::write(corpus("idx").join("seed-labels"), labels_only).unwrap();

    let cfg = VaeConfig { input: 4, hidden: vec![3], latent: 2, ..Default::default() };
    let t = Trainer::new(cfg.clone(), TrainConfig::default()).unwrap();
    fs::create_dir_all(corpus("weights")).unwrap();
    for (dt, name) in [(DType::F32, "seed-f32"), (DType::F16, "seed-f16")] {
        fs::write(corpus("weights").join(name), t.to_safetensors(dt).unwrap()).unwrap();
    }
    for (family, classes, name) in [(Family::Ae, 0, "seed-ae"), (Family::Cvae, 3, "seed-cvae")] {
        let c = VaeConfig { family, classes, ..cfg.clone() };
        let t = Trainer::new(c, TrainConfig::default()).unwrap();
        fs::write(corpus("weights").join(name), t.to_safetensors(DType::F32).unwrap()).unwrap();
    }
    // PyTorch's keys for our parameters: (ours, nn.Sequential's, pytorch/examples').
    let tensors = t.tensors().unwrap();
    let get = |k: &str| tensors[k].clone();
    let head =
        |what: &str| Tensor::cat(&[get(&format!("enc_mu.{what}")), get(&format!("enc_logvar.{what}"))], 0).unwrap();
    let mut sequential = Vec::new();
    let mut examples = Vec::new();
    for what in ["weight", "bias"] {
        sequential.push((format!("encoder.0.{what}"), get(&format!("enc.0.{what}"))));
        sequential.push((format!("encoder.2.{what}"), head(what)));
        sequential.push((format!("decoder.0.{what}"), get(&format!("dec.0.{what}"))));
        sequential.push((format!("decoder.2.{what}"), get(&format!("dec_out.{what}"))));
        for (ours, theirs) in
            [("enc.0", "fc1"), ("enc_mu", "fc21"), ("enc_logvar", "fc22"), ("dec.0", "fc3"), ("dec_out", "fc4")]
        {
            examples.push((format!("{theirs}.{what}"), get(&format!("{ours}.{what}"))));
        }
    }
    for (named, name) in [(sequential, "seed-torch-sequential"), (examples, "seed-torch-examples")] {
        fs::write(corpus("weights").join(name), safetensors::serialize(named, None).unwrap()).unwrap();
    }
}
