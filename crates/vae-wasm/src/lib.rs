//! vae-wasm: the browser binding of `vae-core` (`Model` here; `Trainer` in `trainer.rs`, with the `train`
//! feature). It converts types and errors and nothing more:
//! bytes in as `&[u8]`, numbers out as copied typed arrays, errors out as JS `Error`s.

use js_sys::{Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[cfg(feature = "train")]
mod trainer;
#[cfg(feature = "train")]
pub use trainer::{panic_for_tests, MatmulProbe, Trainer};

/// A trained model of the family (VAE, beta-VAE, autoencoder, conditional VAE), loaded from the bytes of a
/// safetensors file: ours, or a PyTorch user's (see `vae_core::pytorch`). `Vae` is the same class, under the
/// name it had when the family was one VAE (the build adds the alias to the JS module).
#[wasm_bindgen]
pub struct Model {
    inner: vae_core::Model,
}

#[wasm_bindgen]
impl Model {
    /// `new Model(bytes)`: throws an `Error` saying what is wrong if the bytes are not a usable weights file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<Model, JsError> {
        console_error_panic_hook::set_once();
        Ok(Model { inner: vae_core::Model::from_safetensors(bytes)? })
    }

    /// `decode(z, labels?)`: z holds n*latent numbers (and a CVAE's `labels` one class per point, as a
    /// Uint8Array); returns n*784 pixel probabilities in [0, 1]. A CVAE without labels throws.
    pub fn decode(&self, z: &[f32], labels: Option<Vec<u8>>) -> Result<Vec<f32>, JsError> {
        Ok(self.inner.decode_slice(z, labels.as_deref())?)
    }

    /// `decodeInto(z, labels, out)`: `decode`, written into `out` (a Float32Array of n*784 numbers; throws if
    /// it holds another count). A caller that decodes often can reuse one array: a fresh array's first
    /// writes fault its pages in, 0.7 ms for a 20x20 grid's 1.25 MB in Chromium here against 0.04 ms for the
    /// copy into a reused one.
    #[wasm_bindgen(js_name = decodeInto)]
    pub fn decode_into(&self, z: &[f32], labels: Option<Vec<u8>>, out: &Float32Array) -> Result<(), JsError> {
        let probs = self.inner.decode_slice(z, labels.as_deref())?;
        if out.length() as usize != probs.len() {
            return Err(JsError::new(&format!(
                "the output array holds {} numbers; the decode gives {}",
                out.length(),
                probs.len()
            )));
        }
        out.copy_from(&probs);
        Ok(())
    }

    /// `encode(x, labels?)`: x holds n*784 pixels in [0, 1]; returns `{ mu, logvar }`, each n*latent numbers.
    /// An autoencoder's code is `mu`, and its `logvar` is `undefined`.
    pub fn encode(&self, x: &[f32], labels: Option<Vec<u8>>) -> Result<Object, JsError> {
        let (mu, logvar) = self.inner.encode_slice(x, labels.as_deref())?;
        encoding(mu, logvar)
    }

    /// `config`: the description as a plain object, e.g. `{ input: 784, hidden: [512], latent: 2, beta: 1,
    /// likelihood: "bernoulli", family: "vae", classes: 0 }`.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(self.inner.config())?)
    }

    /// `elbo(x, samples, seed, labels?)`: the negative ELBO of each image in x (n*784 pixels in [0, 1]), with
    /// the reconstruction averaged over `samples` draws of eps: `{ loss, recon, kl }`, each n numbers, in nats.
    /// An autoencoder has no ELBO: it gives `{ recon }` alone.
    pub fn elbo(&self, x: &[f32], samples: u32, seed: u32, labels: Option<Vec<u8>>) -> Result<Object, JsError> {
        let parts = self.inner.neg_elbo_per_image(x, labels.as_deref(), samples as usize, seed as u64)?;
        let column = |f: fn(&vae_core::LossParts) -> f32| parts.iter().map(f).collect::<Vec<f32>>();
        if self.inner.config().family.gaussian() {
            object(&[("loss", column(|p| p.loss)), ("recon", column(|p| p.recon)), ("kl", column(|p| p.kl))])
        } else {
            object(&[("recon", column(|p| p.recon))])
        }
    }

    /// Trainable parameters of the model.
    #[wasm_bindgen(getter, js_name = numParams)]
    pub fn num_params(&self) -> usize {
        self.inner.config().num_params()
    }
}

/// `maxWeightsBytes()`: the largest weights file `new Model` reads (`vae_core::weights::MAX_BYTES`), so that the
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

/// `{ mu, logvar }` as Float32Arrays; an autoencoder's has no `logvar` (it reads as `undefined`).
pub(crate) fn encoding(mu: Vec<f32>, logvar: Option<Vec<f32>>) -> Result<Object, JsError> {
    let mut fields = vec![("mu", mu)];
    fields.extend(logvar.map(|v| ("logvar", v)));
    object(&fields)
}

/// A plain object whose fields are numbers (the trainer's reports).
#[cfg(feature = "train")]
pub(crate) fn numbers(fields: &[(&str, f64)]) -> Result<Object, JsError> {
    let out = Object::new();
    for (name, v) in fields {
        Reflect::set(&out, &(*name).into(), &(*v).into())
            .map_err(|_| JsError::new("could not build the result object"))?;
    }
    Ok(out)
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
