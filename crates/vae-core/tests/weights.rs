//! Weights files: round trip and rejection of malformed files, each with the reason.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use vae_core::weights::{from_safetensors, to_safetensors};
use vae_core::{TrainConfig, Trainer, Vae, VaeConfig};

fn small() -> (VaeConfig, Vec<u8>) {
    let cfg = VaeConfig { hidden: vec![16], ..Default::default() };
    let tr = Trainer::new(cfg.clone(), TrainConfig::default()).unwrap();
    let bytes = tr.to_safetensors(DType::F32).unwrap();
    (cfg, bytes)
}

/// A file's weights by name.
fn tensors_of(bytes: &[u8]) -> HashMap<String, Tensor> {
    Trainer::from_safetensors(bytes, TrainConfig::default()).unwrap().tensors().unwrap()
}

/// A weights file of `cfg` holding `tensors`, stored as `dtype`.
fn file_of(cfg: &VaeConfig, tensors: &HashMap<String, Tensor>, dtype: DType) -> Vec<u8> {
    let mut t = Trainer::new(cfg.clone(), TrainConfig::default()).unwrap();
    t.load_tensors(tensors).unwrap();
    t.to_safetensors(dtype).unwrap()
}

fn err(bytes: &[u8]) -> String {
    match Vae::from_safetensors(bytes) {
        Ok(_) => panic!("accepted a bad file"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn round_trip_keeps_config_and_values() {
    let (cfg, bytes) = small();
    let (cfg2, flat) = from_safetensors(&bytes).unwrap();
    assert_eq!(cfg, cfg2);
    let model = Vae::new(&cfg2, flat.clone()).unwrap();
    let again = to_safetensors(&model, DType::F32).unwrap();
    assert_eq!(bytes, again, "f32 round trip is exact");

    // f16 halves the size and stays within f16 precision.
    let half = to_safetensors(&model, DType::F16).unwrap();
    assert!(half.len() < bytes.len() / 2 + 2048);
    let (_, f16) = from_safetensors(&half).unwrap();
    for (i, (a, b)) in flat.iter().zip(&f16).enumerate() {
        assert!((a - b).abs() < 1e-3, "parameter {i}: {a} against {b}");
    }
    // The loaded model decodes.
    let vae = Vae::from_safetensors(&half).unwrap();
    let px = vae.decode_slice(&[0.0, 0.0, 1.0, -1.0], None).unwrap();
    assert_eq!(px.len(), 2 * 784);
    assert!(px.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn malformed_files_are_rejected_with_reasons() {
    let (cfg, bytes) = small();
    assert!(err(&[]).contains("the file is empty"));
    assert!(err(&bytes[..5])
        .contains("the file is only 5 bytes long; a safetensors file starts with an 8-byte header length"));
    // Each case's own reason, not only the common prefix "not a usable weights file" every weights error has.
    // Mutation that turns it red: map MetadataIncompleteBuffer to the "not valid JSON" reason in describe_st_error.
    for frac in [0.01, 0.08, 0.5] {
        let cut = &bytes[..(bytes.len() as f64 * frac) as usize];
        assert!(
            err(cut).contains("the header does not match the data (incomplete metadata, file not fully covered); the file is truncated"),
            "{frac}: {}",
            err(cut)
        );
    }
    // An 8-byte header length of 2^63.
    let mut huge = (1u64 << 63).to_le_bytes().to_vec();
    huge.extend_from_slice(b"{}");
    assert!(
        err(&huge).contains("the header length in its first 8 bytes is impossible for this file"),
        "{}",
        err(&huge)
    );
    // A PNG renamed .safetensors.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x1c\0\0\0\x1c\x08\0\0\0\0";
    assert!(err(png).contains("the header length in its first 8 bytes is impossible for this file"), "{}", err(png));

    let tensors = Trainer::from_safetensors(&bytes, TrainConfig::default()).unwrap().tensors().unwrap();
    // No architecture in the metadata, and names of no PyTorch layout: refused naming the layouts understood.
    let no_meta = safetensors::serialize(tensors.iter().map(|(k, v)| (k.clone(), v.clone())), None).unwrap();
    assert!(
        err(&no_meta).contains("it has no `vae_config` metadata, and its tensors (")
            && err(&no_meta).contains("a PyTorch nn.Sequential VAE (`encoder.N` and `decoder.N` Linear layers)"),
        "{}",
        err(&no_meta)
    );
    // A missing tensor, a wrong shape, an extra tensor, a wrong dtype, a NaN.
    let with = |f: &dyn Fn(&mut HashMap<String, Tensor>)| {
        let mut m = tensors.clone();
        f(&mut m);
        let meta = HashMap::from([("vae_config".to_string(), cfg.to_json())]);
        safetensors::serialize(m, Some(meta)).unwrap()
    };
    assert!(err(&with(&|m| {
        m.remove("dec_out.bias");
    }))
    .contains("`dec_out.bias` is missing"));
    assert!(err(&with(&|m| {
        m.insert("enc_mu.bias".into(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap());
    }))
    .contains("tensor `enc_mu.bias` has shape [3], but the architecture needs [2]"));
    assert!(err(&with(&|m| {
        m.insert("extra".into(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap());
    }))
    .contains("unexpected tensor `extra`"));
    assert!(err(&with(&|m| {
        let t = m["enc_mu.bias"].to_dtype(DType::U8).unwrap();
        m.insert("enc_mu.bias".into(), t);
    }))
    .contains("tensor `enc_mu.bias` is U8; only F32, F16 and BF16 are supported"));
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(err(&with(&|m| {
            let t = Tensor::from_vec(vec![bad, 0.0], 2, &Device::Cpu).unwrap();
            m.insert("enc_mu.bias".into(), t);
        }))
        .contains("tensor `enc_mu.bias` contains NaN or infinite values"));
    }
}

/// The 8-byte header length, then the JSON header, then the data (the safetensors layout).
fn split(bytes: &[u8]) -> (serde_json::Value, &[u8]) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&bytes[8..8 + n]).unwrap(), &bytes[8 + n..])
}

fn join(header: &serde_json::Value, data: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).unwrap();
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

#[test]
fn a_header_that_lies_about_its_offsets_is_rejected() {
    let (_, bytes) = small();
    let (header, data) = split(&bytes);
    assert!(Vae::from_safetensors(&join(&header, data)).is_ok(), "re-joining an honest header works");
    let lie = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut h = header.clone();
        f(&mut h);
        err(&join(&h, data))
    };
    // Offsets past the end of the data.
    let e = lie(&|h| h["dec_out.bias"]["data_offsets"] = serde_json::json!([0, u64::MAX / 2]));
    assert!(e.contains("does not match the data"), "{e}");
    // Offsets that do not fit the shape (the tensor claims fewer bytes than its shape needs).
    let e = lie(&|h| {
        let [a, _] =
            <[u64; 2]>::try_from(serde_json::from_value::<Vec<u64>>(h["enc_mu.bias"]["data_offsets"].clone()).unwrap())
                .unwrap();
        h["enc_mu.bias"]["data_offsets"] = serde_json::json!([a, a + 4]);
    });
    assert!(e.contains("the header does not match the data (invalid shape, data type, or offset for tensor)"), "{e}");
    // Overlapping tensors: two tensors claiming the same bytes.
    let e = lie(&|h| h["enc_mu.bias"]["data_offsets"] = h["enc_logvar.bias"]["data_offsets"].clone());
    // Either claimant may be named first (the crate's check does not fix an order).
    assert!(
        ["enc_mu.bias", "enc_logvar.bias"]
            .iter()
            .any(|t| e.contains(&format!("the header does not match the data (invalid offset for tensor `{t}`)"))),
        "{e}"
    );
    // End before start.
    let e = lie(&|h| h["dec_out.bias"]["data_offsets"] = serde_json::json!([8, 0]));
    assert!(e.contains("the header does not match the data (invalid offset for tensor `dec_out.bias`)"), "{e}");
}

#[test]
fn a_200_mb_file_is_refused_before_it_is_parsed() {
    let (_, bytes) = small();
    let mut big = bytes.clone();
    big.resize(200 << 20, 0);
    let e = err(&big);
    assert!(
        e.contains("the file is 200 MiB (209715200 bytes); weights files for this explorer are at most 64 MiB"),
        "{e}"
    );
}

#[test]
fn bad_decoder_inputs_are_errors() {
    let (_, bytes) = small();
    let vae = Vae::from_safetensors(&bytes).unwrap();
    assert!(vae.decode_slice(&[0.0, f32::NAN], None).unwrap_err().to_string().contains("not a finite number"));
    assert!(vae.decode_slice(&[0.0, 1.0, 2.0], None).unwrap_err().to_string().contains("multiple of 2"));
    assert!(vae.decode_slice(&[], None).is_err());
    assert!(vae.encode_slice(&vec![2.0; 784], None).unwrap_err().to_string().contains("outside [0, 1]"));
}

/// Finite weights so large that the network overflows (found by the fuzzer: the decoder gave NaN
/// "probabilities"): refused when loaded, in words.
#[test]
fn weights_that_overflow_the_network_are_refused() {
    let (cfg, bytes) = small();
    let mut tensors = tensors_of(&bytes);
    // Every decoder hidden unit is 3e38 at z = 0, and output weights of +2 and -2 make +inf and -inf, whose
    // sum is NaN. Each weight is finite.
    let b = &tensors["dec.0.bias"];
    tensors.insert("dec.0.bias".into(), Tensor::full(3e38f32, b.shape(), &Device::Cpu).unwrap());
    let w = &tensors["dec_out.weight"];
    let signs: Vec<f32> = (0..w.elem_count()).map(|i| if i % 2 == 0 { 2.0 } else { -2.0 }).collect();
    tensors.insert("dec_out.weight".into(), Tensor::from_vec(signs, w.shape(), &Device::Cpu).unwrap());
    let file = file_of(&cfg, &tensors, DType::F32);
    let e = err(&file);
    assert!(e.contains("overflows to infinity or NaN"), "{e}");
    // The trainer (the page's resume and import) refuses it too.
    let e = Trainer::from_safetensors(&file, TrainConfig::default()).err().expect("the trainer took it").to_string();
    assert!(e.contains("overflows to infinity or NaN"), "{e}");
    // So does a trainer going back to a checkpoint (the page's NaN guard), and it keeps its own weights.
    // Mutation that turns it red: parse with `weights::from_safetensors` alone in `Trainer::load_safetensors`.
    let mut t = Trainer::new(cfg.clone(), TrainConfig::default()).unwrap();
    let before = t.to_safetensors(DType::F32).unwrap();
    let e = t.load_safetensors(&file).expect_err("load_safetensors took it").to_string();
    assert!(e.contains("overflows to infinity or NaN"), "{e}");
    assert!(t.to_safetensors(DType::F32).unwrap() == before, "a refused file changed the trainer's weights");
}

/// A trainer started from a weights file holds exactly that file's weights.
#[test]
fn a_trainer_from_a_file_holds_its_weights() {
    let (cfg, bytes) = small();
    let t = Trainer::from_safetensors(&bytes, TrainConfig { seed: 9, ..Default::default() }).unwrap();
    assert_eq!(t.config(), &cfg);
    assert!(t.to_safetensors(DType::F32).unwrap() == bytes, "the weights changed on the way in");
    assert_eq!(
        t.model().decode_slice(&[0.3, -0.2], None).unwrap(),
        Vae::from_safetensors(&bytes).unwrap().decode_slice(&[0.3, -0.2], None).unwrap()
    );
}

/// bf16 files load: each value is the f32 whose top 16 bits the file holds (bf16 is the upper half of an
/// f32), read here from the raw bytes, and within bf16's precision (8 bits of mantissa) of the original.
/// Mutation that turns it red: `t.to_dtype(DType::F16)` for every dtype in weights.rs's to_safetensors.
#[test]
fn bf16_files_load_to_the_values_they_hold() {
    let (cfg, bytes) = small();
    let tensors = tensors_of(&bytes);
    let b16 = file_of(&cfg, &tensors, DType::BF16);
    let (header, data) = split(&b16);
    let loaded = tensors_of(&b16);
    for name in ["enc_mu.bias", "dec_out.weight"] {
        assert_eq!(header[name]["dtype"], "BF16");
        let [a, b] =
            <[usize; 2]>::try_from(serde_json::from_value::<Vec<usize>>(header[name]["data_offsets"].clone()).unwrap())
                .unwrap();
        let want: Vec<f32> = data[a..b]
            .chunks_exact(2)
            .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
            .collect();
        let got = loaded[name].flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(got, want, "{name}");
        let orig = tensors[name].flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(orig.iter().zip(&got).all(|(o, g)| (o - g).abs() <= o.abs() / 256.0), "{name} within bf16 precision");
    }
    let vae = Vae::from_safetensors(&b16).unwrap();
    assert_eq!(vae.decode_slice(&[0.5, -0.5], None).unwrap().len(), 784);
}
