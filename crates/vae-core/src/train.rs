//! Training: one AdamW step on the negative ELBO, reproducible from a u32 seed (initial weights, batch
//! order, augmentation and eps all come from one seeded `StdRng`, the same on native and wasm), and
//! evaluation of the negative ELBO on any set.

use std::collections::HashMap;
use std::ops::Range;

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

/// A training step's gradient is the sum of this many shares, each computed on a block of the batch's rows
/// ([`shard_rows`]) and summed in shard order, whether one worker computes them all or each of two workers
/// computes one (the page's two-worker training): a seed gives the same weights, to the bit, whatever the
/// number of workers.
pub const SHARDS: usize = 2;

/// The rows of shard `s` (0 or 1) of a batch of `n`: the batch is cut at the multiple of 4 (the product
/// kernel's tile height) at or after its middle, so that the first block is whole tiles. A batch of 4 or
/// fewer is all in shard 0.
pub fn shard_rows(n: usize, s: usize) -> Range<usize> {
    assert!(s < SHARDS, "shard {s} of {SHARDS}");
    let cut = n.div_ceil(2).next_multiple_of(4).min(n);
    if s == 0 {
        0..cut
    } else {
        cut..n
    }
}

/// A step's images (after augmentation), a CVAE's labels and a Gaussian posterior's eps: the rows
/// `first..first + rows` of a batch of `of` images. The trainer draws whole batches; a second worker is
/// handed the rows of its shard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub of: usize,
    pub first: usize,
    pub x: Vec<f32>,
    pub labels: Option<Vec<u8>>,
    pub eps: Vec<f32>,
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
        /// Each shard's share of the step's gradient, and of its loss once computed (or handed over).
        shares: Vec<Vec<f32>>,
        parts: [Option<LossParts>; SHARDS],
        work: Work,
        opt: AdamW,
    },
    #[cfg(not(target_arch = "wasm32"))]
    Candle(Box<crate::candle::CandleStep>),
}

/// The fast engine's state, borrowed apart: the shares, their loss parts, the work buffers and AdamW.
type FastState<'a> = (&'a mut Vec<Vec<f32>>, &'a mut [Option<LossParts>; SHARDS], &'a mut Work, &'a mut AdamW);

impl Stepper {
    /// The fast engine's state; the candle engine computes whole steps, not shares.
    fn fast(&mut self) -> Result<FastState<'_>> {
        match self {
            Stepper::Fast { shares, parts, work, opt } => Ok((shares, parts, work, opt)),
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(_) => Err(Error::Input("the candle engine computes whole steps, not shares".into())),
        }
    }
}

/// A model being trained: its parameters live in the [`Model`] that encodes, decodes and evaluates with
/// them (no second model is built to draw a view), stepped by the chosen [`Engine`].
pub struct Trainer {
    model: Model,
    tcfg: TrainConfig,
    stepper: Stepper,
    rng: StdRng,
    data: Option<Dataset>,
    /// The current step's batch, or the rows of it that this trainer was handed.
    batch: Batch,
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
                shares: vec![vec![0f32; net.len()]; SHARDS],
                parts: [None; SHARDS],
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
            batch: Batch::default(),
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
            self.draw_batch()?;
            sum += self.step_on_batch()?;
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
        let labels = self.model.labels(labels, n)?.map(<[u8]>::to_vec);
        let eps = self.eps_for(n);
        self.batch = Batch { of: n, first: 0, x: x.to_vec(), labels, eps };
        self.step_on_batch()
    }

    /// eps for `n` images from the trainer's RNG (none for an autoencoder, which draws nothing).
    fn eps_for(&mut self, n: usize) -> Vec<f32> {
        let width = self.model.config().eps_width();
        normals(&mut self.rng, n * width)
    }

    /// One step on the whole batch the trainer holds: every shard's share, then the update.
    fn step_on_batch(&mut self) -> Result<LossParts> {
        #[cfg(not(target_arch = "wasm32"))]
        if let Stepper::Candle(c) = &mut self.stepper {
            let Batch { x, labels, eps, .. } = &self.batch;
            let Model { net, params } = &mut self.model;
            let parts = c.step(x, labels.as_deref(), eps, net.config().beta, params)?;
            if !parts.is_finite() {
                return Err(Error::NonFinite(parts.loss));
            }
            self.step += 1;
            return Ok(parts);
        }
        if !self.model.net.one_pass_shares() {
            for s in 0..SHARDS {
                self.share_gradient(s)?;
            }
            return self.apply_shares();
        }
        let b = &self.batch;
        if b.first != 0 || b.x.len() != b.of * self.config().input {
            return Err(Error::Input(format!(
                "a step needs the whole batch of {}, but rows from {} are held",
                b.of, b.first
            )));
        }
        // Both shares in one pass (Net::split_loss_and_grad), the gradient their sum, as apply_shares makes it.
        let beta = self.config().beta as f32;
        let Model { net, params } = &self.model;
        let (shares, parts, work, _) = self.stepper.fast()?;
        let cut = shard_rows(b.of, 0).end;
        let split =
            net.split_loss_and_grad(params, &mut shares[0], &b.x, b.labels.as_deref(), &b.eps, beta, b.of, cut, work);
        *parts = split.map(Some);
        self.update()
    }

    /// Draws the next step's batch from the data set (the next images of the epoch's order, moved by the
    /// augmentation, and eps), as `train_steps` does, and holds it for [`Trainer::share_gradient`].
    pub fn draw_batch(&mut self) -> Result<&Batch> {
        if self.data.is_none() {
            return Err(Error::Input("no training data has been set".into()));
        }
        let idx = self.next_batch();
        let data = self.data.as_ref().unwrap();
        let mut x = data.batch_f32(&idx);
        let labels = self.model.config().conditional().then(|| idx.iter().map(|&i| data.labels[i]).collect());
        if self.tcfg.shift > 0 {
            x = shift_batch(&x, self.tcfg.shift, &mut self.rng);
        }
        let eps = self.eps_for(idx.len());
        self.batch = Batch { of: idx.len(), first: 0, x, labels, eps };
        Ok(&self.batch)
    }

    /// The rows of the held batch that shard `s` computes, as a [`Batch`] of their own: what a second worker
    /// is handed.
    pub fn shard_batch(&self, s: usize) -> Batch {
        let b = &self.batch;
        let r = shard_rows(b.of, s);
        let rows = r.start - b.first..r.end - b.first;
        let (d, lat) = (self.config().input, self.config().eps_width());
        Batch {
            of: b.of,
            first: r.start,
            x: b.x[rows.start * d..rows.end * d].to_vec(),
            labels: b.labels.as_ref().map(|y| y[rows.clone()].to_vec()),
            eps: b.eps[rows.start * lat..rows.end * lat].to_vec(),
        }
    }

    /// Holds rows of another trainer's batch (its [`Trainer::shard_batch`]) as this step's, after checking them.
    pub fn hold_batch(&mut self, b: Batch) -> Result<()> {
        let cfg = self.config();
        let rows = b.x.len() / cfg.input;
        // A shard may hold no rows (a batch of 4 or fewer is all in shard 0).
        if !b.x.is_empty() {
            crate::model::check(&b.x, cfg.input, "x", 0.0, 1.0)?;
            self.model.labels(b.labels.as_deref(), rows)?;
        }
        let lat = cfg.eps_width();
        if b.first + rows > b.of || b.eps.len() != rows * lat {
            return Err(Error::Input(format!(
                "a batch's rows {}..{} of {} with {} eps for {lat} latent numbers each",
                b.first,
                b.first + rows,
                b.of,
                b.eps.len()
            )));
        }
        self.batch = b;
        Ok(())
    }

    /// Shard `s`'s share of the held batch's objective and gradient (its rows' sums divided by the batch
    /// size), kept for [`Trainer::apply_shares`]. The rows must be among those held.
    pub fn share_gradient(&mut self, s: usize) -> Result<LossParts> {
        let b = &self.batch;
        let r = shard_rows(b.of, s);
        let held = b.first..b.first + b.x.len() / self.config().input;
        if r.start < held.start || r.end > held.end {
            return Err(Error::Input(format!("shard {s} is rows {r:?} of the batch, but rows {held:?} are held")));
        }
        let (d, lat) = (self.config().input, self.config().eps_width());
        let rows = r.start - held.start..r.end - held.start;
        let beta = self.config().beta as f32;
        let Model { net, params } = &self.model;
        let (shares, parts, work, _) = self.stepper.fast()?;
        let p = if rows.is_empty() {
            shares[s].fill(0.0);
            LossParts::default()
        } else {
            let x = &b.x[rows.start * d..rows.end * d];
            let y = b.labels.as_ref().map(|y| &y[rows.clone()]);
            let eps = &b.eps[rows.start * lat..rows.end * lat];
            net.share_loss_and_grad(params, &mut shares[s], x, y, eps, beta, b.of, work)
        };
        parts[s] = Some(p);
        Ok(p)
    }

    /// Shard `s`'s share of the gradient, once computed.
    pub fn share(&self, s: usize) -> &[f32] {
        match &self.stepper {
            Stepper::Fast { shares, .. } => &shares[s],
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(_) => &[],
        }
    }

    /// Shard `s`'s share, computed by another trainer of the same weights (its [`Trainer::share`] and parts).
    pub fn set_share(&mut self, s: usize, g: &[f32], p: LossParts) -> Result<()> {
        let len = self.model.params().len();
        if g.len() != len {
            return Err(Error::Input(format!("a share of {} numbers for {len} parameters", g.len())));
        }
        self.share_mut(s, p)?.copy_from_slice(g);
        Ok(())
    }

    /// Records shard `s`'s loss parts, computed by another trainer, and returns the buffer its share of the
    /// gradient goes into: the caller fills it (the browser binding copies it there straight from shared
    /// memory, with no copy in between).
    pub fn share_mut(&mut self, s: usize, p: LossParts) -> Result<&mut [f32]> {
        let (shares, parts, _, _) = self.stepper.fast()?;
        parts[s] = Some(p);
        Ok(&mut shares[s])
    }

    /// The step: the shares' losses and gradients summed in shard order and, if the loss is finite, one AdamW
    /// update. Every share must have been computed or handed over since the last step.
    pub fn apply_shares(&mut self) -> Result<LossParts> {
        let (shares, parts, _, _) = self.stepper.fast()?;
        if let Some(s) = parts.iter().position(Option::is_none) {
            return Err(Error::Input(format!("shard {s}'s share of the step is missing")));
        }
        if parts.iter().all(|p| p.unwrap().is_finite()) {
            let (first, rest) = shares.split_at_mut(1);
            for other in rest.iter() {
                first[0].iter_mut().zip(other).for_each(|(a, b)| *a += b);
            }
        }
        self.update()
    }

    /// The shares' loss parts summed in shard order and, if the loss is finite, one AdamW update with the
    /// gradient in the first share's buffer (the shares' sum).
    fn update(&mut self) -> Result<LossParts> {
        let (shares, parts, _, opt) = self.stepper.fast()?;
        let mut total = LossParts::default();
        for p in parts.iter_mut() {
            total += p.take().expect("every share's loss parts");
        }
        if !total.is_finite() {
            return Err(Error::NonFinite(total.loss));
        }
        opt.step(&mut self.model.params, &shares[0]);
        self.step += 1;
        Ok(total)
    }

    /// The optimizer's moment estimates and step count, for a replica ([`Trainer::set_optimizer_state`]).
    pub fn optimizer_state(&self) -> Option<(&[f32], &[f32], i32)> {
        match &self.stepper {
            Stepper::Fast { opt, .. } => Some(opt.state()),
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(_) => None,
        }
    }

    /// Takes a replica's optimizer state: with its weights and settings, this trainer then makes its updates.
    pub fn set_optimizer_state(&mut self, m: &[f32], v: &[f32], t: i32) -> Result<()> {
        match &mut self.stepper {
            Stepper::Fast { opt, .. } => opt.set_state(m, v, t).map_err(Error::Input),
            #[cfg(not(target_arch = "wasm32"))]
            Stepper::Candle(_) => Err(Error::Input("the candle engine's optimizer state is candle's".into())),
        }
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
