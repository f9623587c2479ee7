//! Training: one AdamW step on the negative ELBO, reproducible from a u32 seed (initial weights, batch
//! order, augmentation and eps all come from one seeded `StdRng`, the same on native and wasm), and
//! evaluation of the negative ELBO on any set.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use crate::adamw::AdamW;
use crate::backprop::{Net, Work};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::config::VaeConfig;
use crate::error::{Error, Result};
use crate::idx::{Dataset, PIXELS, SIDE};
use crate::loss::LossParts;
use crate::model::Model;
use crate::weights;

/// Optimisation settings: everything about training that is not the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// AdamW learning rate; 1e-3 is Adam's usual default and works for this model.
    pub lr: f64,
    /// Images per step.
    pub batch: usize,
    /// Decoupled weight decay. Stated outright: candle's `ParamsAdamW::default()` silently uses 0.01.
    pub weight_decay: f64,
    /// Seed for the initial weights, batch order, augmentation and eps. u32 so it stays a Number in JS.
    pub seed: u32,
    /// Augmentation: each training image is moved by up to this many pixels in x and y (0 = off).
    pub shift: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self { lr: 1e-3, batch: 100, weight_decay: 0.0, seed: 1, shift: 0 }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        if !self.lr.is_finite() || self.lr <= 0.0 || self.lr > 100.0 {
            return Err(Error::Config {
                field: "lr",
                reason: format!("must be a number above 0 and at most 100, got {}", self.lr),
            });
        }
        if self.batch == 0 || self.batch > 4096 {
            return Err(Error::Config { field: "batch", reason: format!("must be 1 to 4096, got {}", self.batch) });
        }
        if !self.weight_decay.is_finite() || !(0.0..=1.0).contains(&self.weight_decay) {
            return Err(Error::Config {
                field: "weight_decay",
                reason: format!("must be a number from 0 to 1, got {}", self.weight_decay),
            });
        }
        if self.shift > 4 {
            return Err(Error::Config { field: "shift", reason: format!("must be 0 to 4 pixels, got {}", self.shift) });
        }
        Ok(())
    }
}

/// Means over the steps of one `train_steps` call, and where training stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    pub step: u64,
    pub epoch: u64,
    pub loss: f32,
    pub recon: f32,
    pub kl: f32,
}

/// Which engine computes a training step's gradient and update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The hand-written step of [`crate::backprop`] with the fused AdamW of [`crate::adamw`].
    #[default]
    Fast,
    /// candle's autograd and candle-nn's AdamW ([`crate::candle`]): the reference, natively.
    #[cfg(not(target_arch = "wasm32"))]
    Candle,
}

/// The state of the engine that steps the parameters (one per trainer, so the variants' sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum Stepper {
    Fast {
        grad: Vec<f32>,
        work: Work,
        opt: AdamW,
    },
    #[cfg(not(target_arch = "wasm32"))]
    Candle(Box<crate::candle::CandleStep>),
}

/// A model being trained: its parameters live in the [`Model`] that encodes, decodes and evaluates with
/// them (no second model is built to draw a view), stepped by the chosen [`Engine`].
pub struct Trainer {
    model: Model,
    tcfg: TrainConfig,
    stepper: Stepper,
    rng: StdRng,
    data: Option<Dataset>,
    order: Vec<usize>,
    cursor: usize,
    step: u64,
    epoch: u64,
}

impl Trainer {
    /// A fresh model initialised from `tcfg.seed`: every weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    /// PyTorch's and candle's default for linear layers, but drawn from our seeded RNG.
    pub fn new(cfg: VaeConfig, tcfg: TrainConfig) -> Result<Self> {
        Self::with_engine(cfg, tcfg, Engine::Fast)
    }

    /// As `new`, stepped by `engine`. The same seed gives the same weights, batches and eps on both engines.
    pub fn with_engine(cfg: VaeConfig, tcfg: TrainConfig, engine: Engine) -> Result<Self> {
        cfg.validate()?;
        tcfg.validate()?;
        let net = Net::new(&cfg);
        let mut params = vec![0f32; net.len()];
        let mut rng = StdRng::seed_from_u64(tcfg.seed as u64);
        // In the order of the parameters' names, as candle's VarMap kept them: the weights are those the
        // candle version of this trainer drew from the same seed.
        let mut layout = net.params();
        layout.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, shape, place) in &layout {
            let fan_in = if name.ends_with(".bias") {
                let weight = name.replace(".bias", ".weight");
                layout.iter().find(|p| p.0 == weight).expect("every bias has a weight").1[1]
            } else {
                shape[1]
            };
            let bound = 1.0 / (fan_in as f32).sqrt();
            params[place.clone()].iter_mut().for_each(|v| *v = rng.random_range(-bound..bound));
        }
        let stepper = match engine {
            Engine::Fast => Stepper::Fast {
                grad: vec![0f32; net.len()],
                work: Work::default(),
                opt: AdamW::new(net.len(), tcfg.lr, 0.9, 0.999, 1e-8, tcfg.weight_decay),
            },
            #[cfg(not(target_arch = "wasm32"))]
            Engine::Candle => {
                Stepper::Candle(Box::new(crate::candle::CandleStep::new(&cfg, &params, tcfg.lr, tcfg.weight_decay)?))
            }
        };
        Ok(Self {
            model: Model { net, params },
            tcfg,
            stepper,
            rng,
            data: None,
            order: Vec::new(),
            cursor: 0,
            step: 0,
            epoch: 0,
        })
    }

    /// Starts from the weights in a safetensors file (optimizer moments start at zero).
    /// The file is checked as `Model::from_safetensors` checks it, overflow included.
    pub fn from_safetensors(bytes: &[u8], tcfg: TrainConfig) -> Result<Self> {
        let model = Model::from_safetensors(bytes)?;
        let mut t = Self::new(model.config().clone(), tcfg)?;
        t.model = model;
        Ok(t)
    }

    pub fn config(&self) -> &VaeConfig {
        self.model.config()
    }

    pub fn train_config(&self) -> &TrainConfig {
        &self.tcfg
    }

    /// The model with the current weights, for decoding, encoding and evaluating.
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// How far through the current pass over the data training is, from 0 to 1.
    pub fn epoch_progress(&self) -> f64 {
        match self.cursor {
            usize::MAX => 0.0,
            c => c as f64 / self.order.len().max(1) as f64,
        }
    }

    /// Sets the step and epoch counters, e.g. when resuming from a checkpoint.
    pub fn set_position(&mut self, step: u64, epoch: u64) {
        self.step = step;
        self.epoch = epoch;
    }

    /// Replaces the weights by those of a safetensors file of the same architecture (a checkpoint).
    /// The optimizer's moment estimates are kept.
    pub fn load_safetensors(&mut self, bytes: &[u8]) -> Result<()> {
        // Parsed, checked and tried once, as any file the explorer opens: finite weights can still overflow.
        let model = Model::from_safetensors(bytes)?;
        let cfg = model.config();
        if (VaeConfig { beta: self.config().beta, ..cfg.clone() }) != *self.config() {
            return Err(Error::Input(format!(
                "the checkpoint is a {} model, but this trainer holds a {} one",
                cfg.describe(),
                self.config().describe()
            )));
        }
        self.set_params(model.params())
    }

    /// Replaces every parameter, in the order of [`crate::model::param_shapes`].
    fn set_params(&mut self, flat: &[f32]) -> Result<()> {
        self.model.params.copy_from_slice(flat);
        #[cfg(not(target_arch = "wasm32"))]
        if let Stepper::Candle(c) = &self.stepper {
            c.load(flat)?;
        }
        Ok(())
    }

    pub fn set_lr(&mut self, lr: f64) -> Result<()> {
        let t = TrainConfig { lr, ..self.tcfg.clone() };
        t.validate()?;
        match &mut self.stepper {
            Stepper::Fast { opt, .. } => opt.set_learning_rate(lr),
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(c) => c.set_learning_rate(lr),
        }
        self.tcfg = t;
        Ok(())
    }

    pub fn set_batch(&mut self, batch: usize) -> Result<()> {
        let t = TrainConfig { batch, ..self.tcfg.clone() };
        t.validate()?;
        self.tcfg = t;
        Ok(())
    }

    pub fn set_beta(&mut self, beta: f64) -> Result<()> {
        let c = VaeConfig { beta, ..self.config().clone() };
        c.validate()?;
        self.model.net = Net::new(&c);
        Ok(())
    }

    /// The training images and their labels (which a CVAE reads; the other families ignore them).
    pub fn set_data(&mut self, data: Dataset) -> Result<()> {
        if data.is_empty() {
            return Err(Error::Input("the training set is empty".into()));
        }
        // A CVAE checks its labels as every call that takes labels does.
        self.model.labels(Some(&data.labels), data.len())?;
        self.order = (0..data.len()).collect();
        self.cursor = usize::MAX; // shuffle before the first batch
        self.data = Some(data);
        Ok(())
    }

    /// `k` steps on batches drawn from the data set without replacement, reshuffled every epoch.
    /// Returns the means over those steps. A non-finite loss stops before its update is applied.
    pub fn train_steps(&mut self, k: usize) -> Result<StepStats> {
        if self.data.is_none() {
            return Err(Error::Input("no training data has been set".into()));
        }
        let mut sum = LossParts::default();
        for _ in 0..k {
            let idx = self.next_batch();
            let data = self.data.as_ref().unwrap();
            let mut x = data.batch_f32(&idx);
            let labels: Option<Vec<u8>> =
                self.model.config().conditional().then(|| idx.iter().map(|&i| data.labels[i]).collect());
            if self.tcfg.shift > 0 {
                x = shift_batch(&x, self.tcfg.shift, &mut self.rng);
            }
            let p = self.step_on(&x, labels.as_deref())?;
            sum.loss += p.loss;
            sum.recon += p.recon;
            sum.kl += p.kl;
        }
        let k = k.max(1) as f32;
        Ok(StepStats { step: self.step, epoch: self.epoch, loss: sum.loss / k, recon: sum.recon / k, kl: sum.kl / k })
    }

    /// One AdamW step on the images `x` (n * input pixels in [0, 1]) [with a CVAE's labels], with eps drawn
    /// from the trainer's RNG for a Gaussian posterior. A non-finite loss returns an error before its update
    /// is applied.
    pub fn train_batch(&mut self, x: &[f32], labels: Option<&[u8]>) -> Result<LossParts> {
        crate::model::check(x, self.config().input, "x", 0.0, 1.0)?;
        self.step_on(x, labels)
    }

    /// One step on images already known to be whole and in [0, 1] (the data set's own, in `train_steps`).
    fn step_on(&mut self, x: &[f32], labels: Option<&[u8]>) -> Result<LossParts> {
        let n = x.len() / self.config().input;
        let y = self.model.labels(labels, n)?;
        let cfg = self.model.config();
        let eps = if cfg.family.gaussian() { normals(&mut self.rng, n * cfg.latent) } else { Vec::new() };
        let beta = cfg.beta;
        let Model { net, params } = &mut self.model;
        let parts = match &mut self.stepper {
            Stepper::Fast { grad, work, opt } => {
                let parts = net.loss_and_grad(params, grad, x, y, &eps, beta as f32, work);
                if parts.is_finite() {
                    opt.step(params, grad);
                }
                parts
            }
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(c) => c.step(x, y, &eps, beta, params)?,
        };
        if !parts.is_finite() {
            return Err(Error::NonFinite(parts.loss));
        }
        self.step += 1;
        Ok(parts)
    }

    fn next_batch(&mut self) -> Vec<usize> {
        let n = self.order.len();
        let b = self.tcfg.batch.min(n);
        if self.cursor.saturating_add(b) > n {
            // A new pass: `cursor == usize::MAX` marks the first, which completes no epoch.
            if self.cursor != usize::MAX {
                self.epoch += 1;
            }
            // Fisher-Yates with our own RNG, so the order is the same on every platform.
            for i in (1..n).rev() {
                let j = self.rng.random_range(0..=i);
                self.order.swap(i, j);
            }
            self.cursor = 0;
        }
        let idx = self.order[self.cursor..self.cursor + b].to_vec();
        self.cursor += b;
        idx
    }

    /// The current weights, by parameter name.
    pub fn tensors(&self) -> Result<HashMap<String, Tensor>> {
        self.model
            .named_params()
            .into_iter()
            .map(|(name, shape, v)| Ok((name, Tensor::from_slice(v, shape, &Device::Cpu)?)))
            .collect()
    }

    /// Replaces the weights by `tensors` (names and shapes of this model), e.g. to go back to a checkpoint.
    pub fn load_tensors(&mut self, tensors: &HashMap<String, Tensor>) -> Result<()> {
        let layout = self.model.net.params();
        let mut flat = self.model.params.clone();
        for (name, t) in tensors {
            let Some((_, shape, place)) = layout.iter().find(|p| &p.0 == name) else {
                return Err(Error::Input(format!("this model has no parameter `{name}`")));
            };
            if t.dims() != shape.as_slice() {
                return Err(Error::Input(format!("`{name}` has shape {:?}, the model's is {shape:?}", t.dims())));
            }
            let v = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
            flat[place.clone()].copy_from_slice(&v);
        }
        self.set_params(&flat)
    }

    pub fn to_safetensors(&self, dtype: DType) -> Result<Vec<u8>> {
        weights::to_safetensors(&self.model, dtype)
    }
}

/// n draws of eps ~ N(0, 1) from `rng`.
pub(crate) fn normals(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| StandardNormal.sample(rng)).collect()
}

/// Moves each 28x28 image by a random whole number of pixels in [-s, s] on each axis, filling with 0.
fn shift_batch(x: &[f32], s: usize, rng: &mut StdRng) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    let s = s as i32;
    for (src, dst) in x.chunks_exact(PIXELS).zip(out.chunks_exact_mut(PIXELS)) {
        let (dx, dy) = (rng.random_range(-s..=s), rng.random_range(-s..=s));
        for y in 0..SIDE as i32 {
            let sy = y - dy;
            if !(0..SIDE as i32).contains(&sy) {
                continue;
            }
            for xx in 0..SIDE as i32 {
                let sx = xx - dx;
                if (0..SIDE as i32).contains(&sx) {
                    dst[(y * SIDE as i32 + xx) as usize] = src[(sy * SIDE as i32 + sx) as usize];
                }
            }
        }
    }
    out
}

/// Floating-point operations of one training step on a batch of `batch` images, counting the matrix
/// products only (2 * n * in * out each), which are all but a fraction of a percent of the work:
/// for every linear layer, the forward product, the weight gradient, and the input gradient, except for the
/// first encoder layer, whose input (the images) needs no gradient. Elementwise work (ReLU, the loss, the
/// reparameterisation, AdamW) is left out.
pub fn step_flops(cfg: &VaeConfig, batch: usize) -> u64 {
    let n = batch as u64;
    cfg.layers().iter().map(|d| 2 * n * (d.inp * d.out) as u64 * if d.input_gradient { 3 } else { 2 }).sum()
}
