//! Runs in headless Chromium (wasm-bindgen-test-runner): the wasm build decodes, encodes and trains to the
//! same numbers as the native build, which wrote them to tests/fixtures/native-reference.json.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Reflect};
#[cfg(feature = "train")]
use vae_wasm::Trainer;
use vae_wasm::Vae;
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
    assert_close(&vae.decode(&r.z).unwrap(), &r.decoded, "decode");
}

#[wasm_bindgen_test]
fn encode_matches_native() {
    let r = reference();
    let vae = Vae::new(WEIGHTS).unwrap();
    let x: Vec<f32> = r.x.iter().map(|&b| b as f32 / 255.0).collect();
    let out = vae.encode(&x).unwrap();
    let get = |k: &str| Float32Array::from(Reflect::get(&out, &k.into()).unwrap()).to_vec();
    assert_close(&get("mu"), &r.mu, "mu");
    assert_close(&get("logvar"), &r.logvar, "logvar");
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Vae::new(&[]).is_err());
    assert!(Vae::new(&WEIGHTS[..WEIGHTS.len() / 2]).is_err());
    let vae = Vae::new(WEIGHTS).unwrap();
    assert!(vae.decode(&[f32::NAN, 0.0]).is_err());
    assert!(vae.decode(&[0.0]).is_err());
    // Still usable after the errors.
    assert_eq!(vae.decode(&[0.0, 0.0]).unwrap().len(), 784);
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
    assert_eq!(vae.decode(&[0.0, 0.0]).unwrap(), t.decode(&[0.0, 0.0]).unwrap());
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

/// Four calls of `train_steps(5)` against the native run's means.
#[cfg(feature = "train")]
fn check_losses(t: &mut Trainer, want: &[[f32; 3]]) {
    for (i, want) in want.iter().enumerate() {
        let s = t.train_steps(5).unwrap();
        let get = |k: &str| Reflect::get(&s, &k.into()).unwrap().as_f64().unwrap() as f32;
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
    let cases: [(&str, JsValue, &str); 9] = [
        ("likelihood", "poisson".into(), "likelihood must be \"bernoulli\" or \"gaussian\""),
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
