//! `Trainer`: the browser binding of `vae_core::Trainer`. It reads a plain config object (naming any bad
//! field), converts bytes and numbers, and turns a non-finite loss into an `Error` named `NonFiniteLoss`.

use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use vae_core::{Dataset, TrainConfig, VaeConfig};
use wasm_bindgen::prelude::*;

use crate::{encoding, numbers};

/// A model of the family being trained, with its AdamW state, its data and its seeded RNG.
#[wasm_bindgen]
pub struct Trainer {
    inner: vae_core::Trainer,
}

#[wasm_bindgen]
impl Trainer {
    /// `new Trainer({ family: "vae", likelihood: "bernoulli", hidden: [512], latent: 2, classes: 0, beta: 1,
    /// lr: 0.001, batch: 100, seed: 1 })`. Missing fields take the defaults of `VaeConfig` and `TrainConfig`; a
    /// bad value throws an `Error` that names the field.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Trainer, JsError> {
        console_error_panic_hook::set_once();
        let (cfg, tcfg) = read_config(&config)?;
        Ok(Trainer { inner: vae_core::Trainer::new(cfg, tcfg)? })
    }

    /// `Trainer.fromSafetensors(bytes, config)`: continues from a weights file (e.g. a checkpoint); the
    /// architecture comes from the file, the optimiser settings from `config`.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(bytes: &[u8], config: JsValue) -> Result<Trainer, JsError> {
        console_error_panic_hook::set_once();
        let (_, tcfg) = read_config(&config)?;
        Ok(Trainer { inner: vae_core::Trainer::from_safetensors(bytes, tcfg)? })
    }

    /// `setData(images, labels)`: n*784 pixel bytes and n labels (0-9), which a CVAE is conditioned on.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(&mut self, images: Vec<u8>, labels: Vec<u8>) -> Result<(), JsError> {
        Ok(self.inner.set_data(Dataset::new(images, labels)?)?)
    }

    /// `trainSteps(k)`: k AdamW steps; returns `{ step, epoch, loss, recon, kl, negElbo }`, the means over those
    /// steps: `loss` is the objective trained on (recon + beta kl), `negElbo` the true negative ELBO (beta = 1).
    /// An autoencoder's is `{ step, epoch, loss, recon }`: its loss is its reconstruction, and it has no KL and
    /// no ELBO. A NaN or infinite loss throws an `Error` named `NonFiniteLoss`, before that step's update.
    #[wasm_bindgen(js_name = trainSteps)]
    pub fn train_steps(&mut self, k: u32) -> Result<JsValue, JsValue> {
        let s = self.inner.train_steps(k as usize).map_err(step_error)?;
        self.stats(s.loss, s.recon, s.kl)
    }

    /// `{ step, epoch, loss, recon, kl, negElbo }` (an autoencoder's without the last two), as `trainSteps`.
    fn stats(&self, loss: f32, recon: f32, kl: f32) -> Result<JsValue, JsValue> {
        let mut fields = vec![("step", self.inner.step() as f64), ("epoch", self.inner.epoch() as f64)];
        fields.extend([("loss", loss as f64), ("recon", recon as f64)]);
        if self.inner.config().family.gaussian() {
            fields.extend([("kl", kl as f64), ("negElbo", (recon + kl) as f64)]);
        }
        Ok(numbers(&fields)?.into())
    }

    // Two-worker training (web/js/train-pair.js): the step in shares, as `vae_core::train::SHARDS` describes.
    // The first worker draws each batch and hands the second its shard's rows; each computes its share of
    // the gradient, hands it to the other, and both apply the same sum.

    /// `drawBatch()`: draws the next step's batch, as `trainSteps` would, and holds it.
    #[wasm_bindgen(js_name = drawBatch)]
    pub fn draw_batch(&mut self) -> Result<(), JsError> {
        self.inner.draw_batch()?;
        Ok(())
    }

    /// `writeShard(s, x, labels, eps)`: copies shard `s`'s rows of the held batch into the given arrays (as
    /// long as the shard's rows, or longer) and returns `{ of, first, rows, eps, labelled }`: the batch's size,
    /// the shard's first row and its number of rows, its number of eps (0 for an autoencoder), and 1 if it
    /// has labels (a CVAE's), else 0.
    #[wasm_bindgen(js_name = writeShard)]
    pub fn write_shard(
        &self,
        s: usize,
        x: &Float32Array,
        labels: &Uint8Array,
        eps: &Float32Array,
    ) -> Result<Object, JsError> {
        let b = self.inner.shard_batch(shard(s)?);
        let rows = b.x.len() / self.inner.config().input;
        let fits = |len: u32, need: usize| {
            if (len as usize) < need {
                Err(JsError::new("an array is too short for the shard"))
            } else {
                Ok(())
            }
        };
        fits(x.length(), b.x.len())?;
        fits(eps.length(), b.eps.len())?;
        x.subarray(0, b.x.len() as u32).copy_from(&b.x);
        eps.subarray(0, b.eps.len() as u32).copy_from(&b.eps);
        if let Some(y) = &b.labels {
            fits(labels.length(), y.len())?;
            labels.subarray(0, y.len() as u32).copy_from(y);
        }
        let labelled = if b.labels.is_some() { 1.0 } else { 0.0 };
        numbers(&[
            ("of", b.of as f64),
            ("first", b.first as f64),
            ("rows", rows as f64),
            ("eps", b.eps.len() as f64),
            ("labelled", labelled),
        ])
    }

    /// `holdShard(of, first, x, labels, eps)`: holds rows `first..` of another worker's batch of `of`
    /// (`labels` undefined but for a CVAE).
    #[wasm_bindgen(js_name = holdShard)]
    pub fn hold_shard(
        &mut self,
        of: usize,
        first: usize,
        x: Vec<f32>,
        labels: Option<Vec<u8>>,
        eps: Vec<f32>,
    ) -> Result<(), JsError> {
        Ok(self.inner.hold_batch(vae_core::train::Batch { of, first, x, labels, eps })?)
    }

    /// `shareGradient(s)`: shard `s`'s share of the held batch's gradient; returns its `{ loss, recon, kl }`.
    #[wasm_bindgen(js_name = shareGradient)]
    pub fn share_gradient(&mut self, s: usize) -> Result<Object, JsError> {
        let p = self.inner.share_gradient(shard(s)?)?;
        numbers(&[("loss", p.loss as f64), ("recon", p.recon as f64), ("kl", p.kl as f64)])
    }

    /// `writeShare(s, out)`: copies shard `s`'s share of the gradient into `out` (`paramCount` long).
    #[wasm_bindgen(js_name = writeShare)]
    pub fn write_share(&self, s: usize, out: &Float32Array) -> Result<(), JsError> {
        let g = self.inner.share(shard(s)?);
        if out.length() as usize != g.len() {
            return Err(JsError::new(&format!("a share is {} numbers, the array {}", g.len(), out.length())));
        }
        out.copy_from(g);
        Ok(())
    }

    /// `takeShare(s, g, loss, recon, kl)`: shard `s`'s share, computed by the other worker (`g` is
    /// `paramCount` long), copied straight into the trainer's buffer for it.
    #[wasm_bindgen(js_name = takeShare)]
    pub fn take_share(&mut self, s: usize, g: &Float32Array, loss: f32, recon: f32, kl: f32) -> Result<(), JsError> {
        let s = shard(s)?;
        let len = self.inner.share(s).len();
        if g.length() as usize != len {
            return Err(JsError::new(&format!("a share is {len} numbers, the array {}", g.length())));
        }
        g.copy_to(self.inner.share_mut(s, vae_core::LossParts { loss, recon, kl })?);
        Ok(())
    }

    /// `applyShares()`: the step from the shares' sum; returns that step's stats as `trainSteps(1)` does, and
    /// throws `NonFiniteLoss` as it does.
    #[wasm_bindgen(js_name = applyShares)]
    pub fn apply_shares(&mut self) -> Result<JsValue, JsValue> {
        let p = self.inner.apply_shares().map_err(step_error)?;
        self.stats(p.loss, p.recon, p.kl)
    }

    /// `optimizerState()`: `{ m, v, t }`, AdamW's moments (Float32Array copies) and step count, for a replica.
    #[wasm_bindgen(js_name = optimizerState)]
    pub fn optimizer_state(&self) -> Result<Object, JsError> {
        let (m, v, t) = self.inner.optimizer_state().ok_or_else(|| JsError::new("no optimizer state"))?;
        let out = crate::object(&[("m", m.to_vec()), ("v", v.to_vec())])?;
        Reflect::set(&out, &"t".into(), &t.into()).map_err(|_| JsError::new("could not build the result object"))?;
        Ok(out)
    }

    /// `setOptimizerState(m, v, t)`: a replica's optimizer state (see `optimizerState`).
    #[wasm_bindgen(js_name = setOptimizerState)]
    pub fn set_optimizer_state(&mut self, m: Vec<f32>, v: Vec<f32>, t: i32) -> Result<(), JsError> {
        Ok(self.inner.set_optimizer_state(&m, &v, t)?)
    }

    /// The number of parameters: the length of a share of the gradient.
    #[wasm_bindgen(getter, js_name = paramCount)]
    pub fn param_count(&self) -> usize {
        self.inner.model().params().len()
    }

    /// `evaluate(images, labels, samples = 1, seed = 0)`: mean `{ loss, recon, kl }` in nats over any set, with
    /// beta = 1 (the true negative ELBO) and the reconstruction averaged over `samples` draws of eps. An
    /// autoencoder's is `{ loss, recon }` with loss = recon: it has no KL term.
    pub fn evaluate(
        &self,
        images: Vec<u8>,
        labels: Vec<u8>,
        samples: Option<u32>,
        seed: Option<u32>,
    ) -> Result<JsValue, JsError> {
        let data = Dataset::new(images, labels)?;
        let p = self.inner.model().evaluate(&data, samples.unwrap_or(1) as usize, seed.unwrap_or(0) as u64)?;
        let mut fields = vec![("loss", p.loss as f64), ("recon", p.recon as f64)];
        if self.inner.config().family.gaussian() {
            fields.push(("kl", p.kl as f64));
        }
        Ok(numbers(&fields)?.into())
    }

    /// `toSafetensors()`: the current weights as a safetensors file (f32), loadable by `new Model(bytes)`.
    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self) -> Result<Vec<u8>, JsError> {
        Ok(self.inner.to_safetensors(vae_core::weights::DType::F32)?)
    }

    /// `loadSafetensors(bytes)`: puts back the weights of a checkpoint of the same architecture.
    #[wasm_bindgen(js_name = loadSafetensors)]
    pub fn load_safetensors(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        Ok(self.inner.load_safetensors(bytes)?)
    }

    /// `setPosition(step, epoch)`: the counters, when resuming from a checkpoint.
    #[wasm_bindgen(js_name = setPosition)]
    pub fn set_position(&mut self, step: f64, epoch: f64) -> Result<(), JsError> {
        let whole = |v: f64, name: &str| {
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9e15 {
                Ok(v as u64)
            } else {
                Err(JsError::new(&format!("{name} must be a whole number of at least 0, got {v}")))
            }
        };
        self.inner.set_position(whole(step, "step")?, whole(epoch, "epoch")?);
        Ok(())
    }

    #[wasm_bindgen(js_name = setLr)]
    pub fn set_lr(&mut self, lr: f64) -> Result<(), JsError> {
        Ok(self.inner.set_lr(lr)?)
    }

    #[wasm_bindgen(js_name = setBatch)]
    pub fn set_batch(&mut self, batch: f64) -> Result<(), JsError> {
        Ok(self.inner.set_batch(whole_number("batch", batch)?)?)
    }

    #[wasm_bindgen(js_name = setBeta)]
    pub fn set_beta(&mut self, beta: f64) -> Result<(), JsError> {
        Ok(self.inner.set_beta(beta)?)
    }

    /// `decode(z, labels?)` with the current weights, as `Model.decode`.
    pub fn decode(&self, z: &[f32], labels: Option<Vec<u8>>) -> Result<Vec<f32>, JsError> {
        Ok(self.inner.model().decode_slice(z, labels.as_deref())?)
    }

    /// `encode(x, labels?)` with the current weights, as `Model.encode`.
    pub fn encode(&self, x: &[f32], labels: Option<Vec<u8>>) -> Result<Object, JsError> {
        let (mu, logvar) = self.inner.model().encode_slice(x, labels.as_deref())?;
        encoding(mu, logvar)
    }

    /// The architecture and the optimiser settings: `{ input, hidden, latent, beta, lr, batch, seed, ... }`.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> Result<JsValue, JsError> {
        let out = serde_wasm_bindgen::to_value(self.inner.config())?;
        let t = serde_wasm_bindgen::to_value(self.inner.train_config())?;
        Ok(Object::assign(&Object::from(out), &Object::from(t)).into())
    }

    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.inner.step() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> f64 {
        self.inner.epoch() as f64
    }

    /// How far through the current epoch training is, from 0 to 1.
    #[wasm_bindgen(getter, js_name = epochProgress)]
    pub fn epoch_progress(&self) -> f64 {
        self.inner.epoch_progress()
    }

    /// Floating-point operations of one training step at the current batch size (see `vae_core::flops`).
    #[wasm_bindgen(js_name = stepFlops)]
    pub fn step_flops(&self) -> f64 {
        vae_core::train::step_flops(self.inner.config(), self.inner.train_config().batch) as f64
    }
}

/// A training step's error for JS: a non-finite loss is an `Error` named `NonFiniteLoss`.
fn step_error(e: vae_core::Error) -> JsValue {
    match e {
        vae_core::Error::NonFinite(_) => {
            let err = js_sys::Error::new(&e.to_string());
            err.set_name("NonFiniteLoss");
            err.into()
        }
        e => JsError::from(e).into(),
    }
}

/// A shard's number, checked.
fn shard(s: usize) -> Result<usize, JsError> {
    if s < vae_core::train::SHARDS {
        Ok(s)
    } else {
        Err(JsError::new(&format!("shard {s} of {}", vae_core::train::SHARDS)))
    }
}

/// Test hook for the crash-recovery path: panics inside wasm, as a bug would. Never called by the page
/// except through the worker's test-only `panic` message.
#[wasm_bindgen(js_name = panicForTests)]
pub fn panic_for_tests() {
    panic!("a panic forced by a test");
}

const FIELDS: [&str; 11] =
    ["family", "hidden", "latent", "classes", "beta", "likelihood", "lr", "batch", "seed", "weightDecay", "shift"];

/// Reads the plain config object field by field, so that every error names its field.
fn read_config(config: &JsValue) -> Result<(VaeConfig, TrainConfig), JsError> {
    let mut cfg = VaeConfig::default();
    let mut t = TrainConfig::default();
    if config.is_undefined() || config.is_null() {
        return Ok((cfg, t));
    }
    if !config.is_object() {
        return Err(JsError::new("the Trainer config must be a plain object such as { hidden: [512], lr: 0.001 }"));
    }
    for key in Object::keys(config.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !FIELDS.contains(&key.as_str()) {
            return Err(JsError::new(&format!("invalid setting `{key}`: unknown field; known: {}", FIELDS.join(", "))));
        }
    }
    let get = |name: &str| Reflect::get(config, &name.into()).ok().filter(|v| !v.is_undefined());
    let number = |name: &str, v: JsValue| {
        v.as_f64().ok_or_else(|| JsError::new(&format!("invalid setting `{name}`: must be a number, got {v:?}")))
    };
    if let Some(v) = get("hidden") {
        if !js_sys::Array::is_array(&v) {
            return Err(JsError::new(&format!("invalid setting `hidden`: must be an array of layer sizes, got {v:?}")));
        }
        let arr = js_sys::Array::from(&v);
        cfg.hidden = arr.iter().map(|h| whole_number("hidden", number("hidden", h)?)).collect::<Result<_, _>>()?;
    }
    if let Some(v) = get("latent") {
        cfg.latent = whole_number("latent", number("latent", v)?)?;
    }
    if let Some(v) = get("beta") {
        cfg.beta = number("beta", v)?;
    }
    let string = |name: &str, v: JsValue| {
        v.as_string().ok_or_else(|| JsError::new(&format!("invalid setting `{name}`: must be a string, got {v:?}")))
    };
    if let Some(v) = get("likelihood") {
        cfg.likelihood = vae_core::config::Likelihood::try_from(string("likelihood", v)?)
            .map_err(|e| JsError::new(&format!("invalid setting `likelihood`: {e}")))?;
    }
    if let Some(v) = get("family") {
        cfg.family = vae_core::config::Family::try_from(string("family", v)?)
            .map_err(|e| JsError::new(&format!("invalid setting `family`: {e}")))?;
    }
    if let Some(v) = get("classes") {
        cfg.classes = whole_number("classes", number("classes", v)?)?;
    }
    if let Some(v) = get("lr") {
        t.lr = number("lr", v)?;
    }
    if let Some(v) = get("batch") {
        t.batch = whole_number("batch", number("batch", v)?)?;
    }
    if let Some(v) = get("seed") {
        let s = number("seed", v)?;
        if !(s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s <= u32::MAX as f64) {
            return Err(JsError::new(&format!(
                "invalid setting `seed`: must be a whole number from 0 to 2^32 - 1, got {s}"
            )));
        }
        t.seed = s as u32;
    }
    if let Some(v) = get("weightDecay") {
        t.weight_decay = number("weightDecay", v)?;
    }
    if let Some(v) = get("shift") {
        t.shift = whole_number("shift", number("shift", v)?)?;
    }
    cfg.validate()?;
    t.validate()?;
    Ok((cfg, t))
}

/// A count: a whole, non-negative, not absurd number (the core's checks give the precise range).
fn whole_number(name: &str, v: f64) -> Result<usize, JsError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 1e9 {
        Ok(v as usize)
    } else {
        Err(JsError::new(&format!("invalid setting `{name}`: must be a whole number of at least 0, got {v}")))
    }
}

/// The matrix product that bounds training speed (see `vae_core::probe`), for the bench: `new
/// MatmulProbe(100, 784, 512)`, then time `run()` from JS; `flops` is the work of one call.
#[wasm_bindgen]
pub struct MatmulProbe {
    inner: vae_core::probe::MatmulProbe,
}

#[wasm_bindgen]
impl MatmulProbe {
    #[wasm_bindgen(constructor)]
    pub fn new(m: usize, k: usize, n: usize) -> Result<MatmulProbe, JsError> {
        if [m, k, n].iter().any(|&d| d == 0 || d > 4096) {
            return Err(JsError::new("MatmulProbe: each dimension must be 1 to 4096"));
        }
        Ok(MatmulProbe { inner: vae_core::probe::MatmulProbe::new(m, k, n)? })
    }

    pub fn run(&mut self) -> Result<f32, JsError> {
        Ok(self.inner.run()?)
    }

    #[wasm_bindgen(getter)]
    pub fn flops(&self) -> f64 {
        self.inner.flops() as f64
    }
}
