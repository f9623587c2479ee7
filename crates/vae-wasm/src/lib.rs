//! vae-wasm: the browser binding of `vae-core`. It converts types and errors and nothing more:
//! bytes in as `&[u8]`, numbers out as copied typed arrays, errors out as JS `Error`s.

use js_sys::{Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// A trained VAE, loaded from the bytes of a safetensors file.
#[wasm_bindgen]
pub struct Vae {
    inner: vae_core::Vae,
}

#[wasm_bindgen]
impl Vae {
    /// `new Vae(bytes)`: throws an `Error` saying what is wrong if the bytes are not a usable weights file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<Vae, JsError> {
        console_error_panic_hook::set_once();
        Ok(Vae { inner: vae_core::Vae::from_safetensors(bytes)? })
    }

    /// `decode(z)`: z holds n*latent numbers; returns n*784 pixel probabilities in [0, 1].
    pub fn decode(&self, z: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(self.inner.decode_slice(z)?)
    }

    /// `encode(x)`: x holds n*784 pixels in [0, 1]; returns `{ mu, logvar }`, each n*latent numbers.
    pub fn encode(&self, x: &[f32]) -> Result<Object, JsError> {
        let (mu, logvar) = self.inner.encode_slice(x)?;
        let out = Object::new();
        Reflect::set(&out, &"mu".into(), &Float32Array::from(&mu[..]))
            .and_then(|_| Reflect::set(&out, &"logvar".into(), &Float32Array::from(&logvar[..])))
            .map_err(|_| JsError::new("could not build the result object"))?;
        Ok(out)
    }

    /// `config`: the architecture as a plain object, e.g. `{ input: 784, hidden: [512], latent: 2, beta: 1 }`.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(self.inner.config())?)
    }

    /// Trainable parameters of the model.
    #[wasm_bindgen(getter, js_name = numParams)]
    pub fn num_params(&self) -> usize {
        self.inner.config().num_params()
    }
}
