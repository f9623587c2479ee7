//! Runs in headless Chromium (wasm-bindgen-test-runner): the wasm build decodes and encodes the same
//! numbers as the native build, which wrote them to tests/fixtures/native-reference.json.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Reflect};
use vae_wasm::Vae;
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
