//! vae-wasm: the browser binding of `vae-core` (`Vae` here; `Trainer` in `trainer.rs`, with the `train` feature). It converts types and errors and nothing more:
//! bytes in as `&[u8]`, numbers out as copied typed arrays, errors out as JS `Error`s.

use js_sys::{Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[cfg(feature = "train")]
mod trainer;
#[cfg(feature = "train")]
pub use trainer::{panic_for_tests, MatmulProbe, Trainer};

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
        object(&[("mu", mu), ("logvar", logvar)])
    }

    /// `config`: the architecture as a plain object, e.g. `{ input: 784, hidden: [512], latent: 2, beta: 1 }`.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(self.inner.config())?)
    }

    /// `elbo(x, samples, seed)`: the negative ELBO of each image in x (n*784 pixels in [0, 1]), with the
    /// reconstruction averaged over `samples` draws of eps: `{ loss, recon, kl }`, each n numbers, in nats.
    pub fn elbo(&self, x: &[f32], samples: u32, seed: u32) -> Result<Object, JsError> {
        let parts = vae_core::neg_elbo_per_image(&self.inner, x, samples as usize, seed as u64)?;
        let column = |f: fn(&vae_core::LossParts) -> f32| parts.iter().map(f).collect::<Vec<f32>>();
        object(&[("loss", column(|p| p.loss)), ("recon", column(|p| p.recon)), ("kl", column(|p| p.kl))])
    }

    /// Trainable parameters of the model.
    #[wasm_bindgen(getter, js_name = numParams)]
    pub fn num_params(&self) -> usize {
        self.inner.config().num_params()
    }
}

/// `maxWeightsBytes()`: the largest weights file `new Vae` reads (`vae_core::weights::MAX_BYTES`), so that the
/// page can refuse a larger file by its size, before reading it, with the same bound.
#[wasm_bindgen(js_name = maxWeightsBytes)]
pub fn max_weights_bytes() -> usize {
    vae_core::weights::MAX_BYTES
}

/// `latentPath(a, b, k, spherical)`: k points from a to b (both included), each of a.length numbers,
/// by linear or spherical interpolation (see `vae_core::latent::slerp`).
#[wasm_bindgen(js_name = latentPath)]
pub fn latent_path(a: &[f32], b: &[f32], k: u32, spherical: bool) -> Result<Vec<f32>, JsError> {
    if a.len() != b.len() || a.is_empty() {
        return Err(JsError::new("latentPath: a and b must be non-empty and of the same length"));
    }
    if !(2..=1000).contains(&k) {
        return Err(JsError::new("latentPath: k must be 2 to 1000"));
    }
    if a.iter().chain(b).any(|v| !v.is_finite()) {
        return Err(JsError::new("latentPath: a and b must hold finite numbers"));
    }
    Ok(vae_core::latent::path(a, b, k as usize, spherical).concat())
}

/// A plain object whose fields are Float32Array copies.
pub(crate) fn object(fields: &[(&str, Vec<f32>)]) -> Result<Object, JsError> {
    let out = Object::new();
    for (name, values) in fields {
        Reflect::set(&out, &(*name).into(), &Float32Array::from(&values[..]))
            .map_err(|_| JsError::new("could not build the result object"))?;
    }
    Ok(out)
}
