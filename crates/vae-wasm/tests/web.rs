//! Runs in headless Chromium (wasm-bindgen-test-runner): the wasm build decodes, encodes and trains to the
//! same numbers as the native build, which wrote them to tests/fixtures/native-reference.json.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Reflect};
use vae_wasm::Model as Vae;
#[cfg(feature = "train")]
use vae_wasm::Trainer;
#[cfg(feature = "train")]
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const WEIGHTS: &[u8] = include_bytes!("../../../web/models/mnist-2d.safetensors");
const REFERENCE: &str = include_str!("../../../tests/fixtures/native-reference.json");
const TOLERANCE: f32 = 1e-4;

#[derive(serde::Deserialize)]
struct Reference {
    weights_bytes: usize,
    z: Vec<f32>,
    decoded: Vec<f32>,
    x: Vec<u8>,
    mu: Vec<f32>,
    logvar: Vec<f32>,
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    train: Vec<[f32; 3]>,
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    train_gaussian: Vec<[f32; 3]>,
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    train_ae: Vec<[f32; 3]>,
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    train_cvae: Vec<[f32; 3]>,
}

fn reference() -> Reference {
    let r: Reference = serde_json::from_str(REFERENCE).unwrap();
    assert_eq!(r.weights_bytes, WEIGHTS.len(), "the fixture belongs to other weights");
    r
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst < TOLERANCE, "{what}: wasm differs from native by {worst}");
}

#[wasm_bindgen_test]
fn decode_matches_native() {
    let r = reference();
    let vae = Vae::new(WEIGHTS).unwrap();
    assert_close(&vae.decode(&r.z, None).unwrap(), &r.decoded, "decode");
    let out = Float32Array::new_with_length(r.decoded.len() as u32);
    out.fill(f32::NAN, 0, out.length());
    vae.decode_into(&r.z, None, &out).unwrap();
    assert_close(&out.to_vec(), &r.decoded, "decodeInto");
}

#[wasm_bindgen_test]
fn encode_matches_native() {
    let r = reference();
    let vae = Vae::new(WEIGHTS).unwrap();
    let x: Vec<f32> = r.x.iter().map(|&b| b as f32 / 255.0).collect();
    let out = vae.encode(&x, None).unwrap();
    let get = |k: &str| Float32Array::from(Reflect::get(&out, &k.into()).unwrap()).to_vec();
    assert_close(&get("mu"), &r.mu, "mu");
    assert_close(&get("logvar"), &r.logvar, "logvar");
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Vae::new(&[]).is_err());
    assert!(Vae::new(&WEIGHTS[..WEIGHTS.len() / 2]).is_err());
    let vae = Vae::new(WEIGHTS).unwrap();
    assert!(vae.decode(&[f32::NAN, 0.0], None).is_err());
    assert!(vae.decode(&[0.0], None).is_err());
    assert!(vae.decode_into(&[0.0, 0.0], None, &Float32Array::new_with_length(783)).is_err());
    assert!(vae.decode_into(&[f32::NAN, 0.0], None, &Float32Array::new_with_length(784)).is_err());
    // Still usable after the errors.
    assert_eq!(vae.decode(&[0.0, 0.0], None).unwrap().len(), 784);
}

/// A plain JS object from (key, value) pairs.
#[cfg(feature = "train")]
fn config(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

#[cfg(feature = "train")]
#[wasm_bindgen_test]
fn trainer_gives_the_native_losses_for_the_same_seed_and_data() {
    let r = reference();
    let hidden = js_sys::Array::of1(&64.into());
    let mut t = Trainer::new(config(&[("hidden", hidden.into()), ("batch", 5.into()), ("seed", 3.into())])).unwrap();
    t.set_data(r.x.clone(), (0..10).collect()).unwrap();
    check_losses(&mut t, &r.train);
    // The trained weights load as a Vae.
    let vae = Vae::new(&t.to_safetensors().unwrap()).unwrap();
    assert_eq!(vae.decode(&[0.0, 0.0], None).unwrap(), t.decode(&[0.0, 0.0], None).unwrap());
}

/// The same with a Gaussian decoder and a 3-D latent space.
#[cfg(feature = "train")]
#[wasm_bindgen_test]
fn a_gaussian_trainer_gives_the_native_losses() {
    let r = reference();
    let hidden = js_sys::Array::of1(&64.into());
    let fields = [
        ("hidden", hidden.into()),
        ("latent", 3.into()),
        ("likelihood", "gaussian".into()),
        ("batch", 5.into()),
        ("seed", 3.into()),
    ];
    let mut t = Trainer::new(config(&fields)).unwrap();
    t.set_data(r.x.clone(), (0..10).collect()).unwrap();
    check_losses(&mut t, &r.train_gaussian);
}

/// The same as an autoencoder (whose reports have no `kl`) and as a CVAE on the digits' labels.
#[cfg(feature = "train")]
#[wasm_bindgen_test]
fn ae_and_cvae_trainers_give_the_native_losses() {
    let r = reference();
    for (family, want) in [("ae", &r.train_ae), ("cvae", &r.train_cvae)] {
        let hidden = js_sys::Array::of1(&64.into());
        let mut fields =
            vec![("family", family.into()), ("hidden", hidden.into()), ("batch", 5.into()), ("seed", 3.into())];
        if family == "cvae" {
            fields.push(("classes", 10.into()));
        }
        let mut t = Trainer::new(config(&fields)).unwrap();
        t.set_data(r.x.clone(), (0..10).collect()).unwrap();
        check_losses(&mut t, want);
    }
}

/// Every family with both likelihoods at latent sizes 1, 2, 8 and 64 trains through the public API: its
/// losses are finite and fall, it encodes (with `logvar` exactly when it has one) and decodes (a CVAE in the
/// class asked for, and never without labels), and its weights load as a `Model` with the same description.
#[cfg(feature = "train")]
#[wasm_bindgen_test]
fn every_family_trains_at_every_latent_size() {
    let r = reference();
    for family in ["vae", "ae", "cvae"] {
        for likelihood in ["bernoulli", "gaussian"] {
            for latent in [1usize, 2, 8, 64] {
                let what = format!("{family} {likelihood} latent {latent}");
                let hidden = js_sys::Array::of1(&32.into());
                let mut fields = vec![
                    ("family", JsValue::from(family)),
                    ("likelihood", likelihood.into()),
                    ("latent", latent.into()),
                    ("hidden", hidden.into()),
                    ("batch", 10.into()),
                    ("lr", 0.003.into()),
                ];
                if family == "cvae" {
                    fields.push(("classes", 10.into()));
                }
                let mut t = Trainer::new(config(&fields)).unwrap();
                t.set_data(r.x.clone(), (0..10).collect()).unwrap();
                let loss = |s: &JsValue| Reflect::get(s, &"loss".into()).unwrap().as_f64().unwrap();
                let first = loss(&t.train_steps(1).unwrap());
                let last = loss(&t.train_steps(20).unwrap());
                assert!(first.is_finite() && last < first, "{what}: {first} then {last}");
                let x: Vec<f32> = r.x[..2 * 784].iter().map(|&b| b as f32 / 255.0).collect();
                let labels = (family == "cvae").then(|| vec![3u8, 7]);
                let out = t.encode(&x, labels.clone()).unwrap();
                let mu = Float32Array::from(Reflect::get(&out, &"mu".into()).unwrap()).to_vec();
                assert_eq!(mu.len(), 2 * latent, "{what}");
                let logvar = Reflect::get(&out, &"logvar".into()).unwrap();
                assert_eq!(logvar.is_undefined(), family == "ae", "{what}: logvar {logvar:?}");
                let model = Vae::new(&t.to_safetensors().unwrap()).unwrap();
                let cfg = model.config().unwrap();
                let field = |k: &str| Reflect::get(&cfg, &k.into()).unwrap();
                assert_eq!(field("family").as_string().unwrap(), family);
                assert_eq!(field("likelihood").as_string().unwrap(), likelihood);
                assert_eq!(field("latent").as_f64().unwrap() as usize, latent);
                assert_eq!(model.decode(&mu, labels.clone()).unwrap(), t.decode(&mu, labels.clone()).unwrap());
                if family == "cvae" {
                    let e = JsValue::from(model.decode(&mu, None).unwrap_err());
                    let msg = e.unchecked_into::<js_sys::Error>().message().as_string().unwrap();
                    assert!(msg.contains("the labels are missing"), "{msg}");
                    let other = model.decode(&mu, Some(vec![4, 1])).unwrap();
                    assert_ne!(other, model.decode(&mu, labels).unwrap(), "{what}: the class changes nothing");
                }
                let elbo = model.elbo(&x, 1, 0, (family == "cvae").then(|| vec![3, 7])).unwrap();
                let has = |k: &str| !Reflect::get(&elbo, &k.into()).unwrap().is_undefined();
                assert_eq!((has("recon"), has("kl"), has("loss")), (true, family != "ae", family != "ae"), "{what}");
            }
        }
    }
}

/// Four calls of `train_steps(5)` against the native run's means. An autoencoder's reports have no `kl`
/// (its native kl is 0) and no `negElbo`; the others' `negElbo` is recon + kl.
#[cfg(feature = "train")]
fn check_losses(t: &mut Trainer, want: &[[f32; 3]]) {
    for (i, want) in want.iter().enumerate() {
        let s = t.train_steps(5).unwrap();
        let value = |k: &str| Reflect::get(&s, &k.into()).unwrap();
        let get = |k: &str| value(k).as_f64().map_or(0.0, |v| v as f32);
        let gaussian = !value("kl").is_undefined();
        assert_eq!(gaussian, !value("negElbo").is_undefined());
        assert_eq!(gaussian, want[2] != 0.0, "kl is reported exactly when the model has one");
        if gaussian {
            assert!((get("negElbo") - get("recon") - get("kl")).abs() < 1e-3);
        }
        let got = [get("loss"), get("recon"), get("kl")];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-3 * w.abs().max(1.0), "call {i}: wasm {got:?}, native {want:?}");
        }
        assert_eq!(get("step") as usize, 5 * (i + 1));
    }
}

#[cfg(feature = "train")]
#[wasm_bindgen_test]
fn bad_trainer_configs_throw_errors_that_name_the_field() {
    let cases: [(&str, JsValue, &str); 14] = [
        ("likelihood", "poisson".into(), "likelihood must be \"bernoulli\" or \"gaussian\""),
        ("family", "gan".into(), "invalid setting `family`: family must be \"vae\", \"ae\" or \"cvae\""),
        ("family", "cvae".into(), "invalid setting `classes`: a cvae needs the number of classes"),
        ("classes", 10.into(), "invalid setting `classes`: only a cvae takes labels"),
        ("latent", 0.into(), "invalid setting `latent`: must be 1 to 64, got 0"),
        ("latent", 65.into(), "invalid setting `latent`: must be 1 to 64, got 65"),
        ("likelihood", 1.into(), "invalid setting `likelihood`"),
        ("lr", f64::NAN.into(), "lr"),
        ("lr", (-1.0).into(), "lr"),
        ("batch", 0.into(), "batch"),
        ("batch", 2.5.into(), "batch"),
        ("hidden", js_sys::Array::of1(&1e9.into()).into(), "hidden"),
        ("beta", f64::INFINITY.into(), "beta"),
        ("lr", "fast".into(), "lr"),
    ];
    for (field, value, named) in cases {
        let err = Trainer::new(config(&[(field, value.clone())])).err().expect("a bad config is refused");
        let msg = JsValue::from(err).unchecked_into::<js_sys::Error>().message().as_string().unwrap();
        assert!(msg.contains(named), "{field} = {value:?}: {msg}");
    }
    let err = Trainer::new(config(&[("learningRate", 1.into())])).err().unwrap();
    let msg = JsValue::from(err).unchecked_into::<js_sys::Error>().message().as_string().unwrap();
    assert!(msg.contains("learningRate"), "{msg}");
}
