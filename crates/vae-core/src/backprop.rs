//! The training step written out by hand: the forward pass, the negative ELBO and its gradient for every
//! parameter, layer by layer on flat f32 buffers. The matrix products are done natively by `gemm` (the crate
//! whose kernels candle's own matmul calls) and in wasm by the dot-form kernel of [`crate::kernel`] (see
//! [`Products`]).
//!
//! candle's autograd computes the same gradient (a test checks every parameter's against it), but it
//! allocates a tensor for each intermediate and each gradient, zero-fills and adds gradient accumulators,
//! and runs every elementwise operation (bias, ReLU, the loss's nine) as its own pass over memory: callgrind
//! put that at about 40 % of a step's instructions. Here a step allocates nothing once its buffers exist,
//! the bias is added inside the product, and the loss and its gradient are one pass over the logits.
//!
//! The model is the one of [`crate::model`]: `enc.*` with ReLU, the heads `enc_mu` and `enc_logvar`,
//! z = mu + sigma * eps, `dec.*` with ReLU and `dec_out` giving the logits; weights stored `(out, in)`.

use std::ops::Range;

use gemm::{gemm, Parallelism};
use wide::{f32x4, CmpLt};

use crate::config::{Likelihood, VaeConfig};
use crate::kernel::{product_nn, product_t};
use crate::lanes::{padded, quad};
use crate::loss::{LossParts, GAUSSIAN_SIGMA};
use crate::model::param_shapes;

/// Where one linear layer's weight `(out, in)` and bias `(out)` start in the flat parameter buffer.
#[derive(Clone, Copy, Debug)]
struct Layer {
    inp: usize,
    out: usize,
    w: usize,
    b: usize,
}

/// The layout of a model's parameters in one flat buffer, in [`param_shapes`] order, and the step.
#[derive(Clone, Debug)]
pub struct Net {
    cfg: VaeConfig,
    /// In the order of [`VaeConfig::layers`]: the encoder's hidden layers, the heads (two for a Gaussian
    /// posterior, one for an autoencoder's code), the decoder's hidden layers and its output layer.
    layers: Vec<Layer>,
    len: usize,
    products: Products,
}

/// What does the matrix products.
#[derive(Clone, Copy, Debug)]
pub enum Products {
    /// `gemm`, with its threads: natively, where its AVX2 kernels are the fastest code here.
    Gemm(Parallelism),
    /// The kernels of [`crate::kernel`], the dot form forward and the broadcast form backward: in wasm, where
    /// they are faster than gemm's simd128 kernel. Products that sum over fewer than four numbers (the latent ones)
    /// stay with gemm, on one thread.
    Dot,
}

impl Products {
    /// Dot in wasm, gemm with candle's thread count natively.
    fn here() -> Self {
        if cfg!(target_arch = "wasm32") {
            Self::Dot
        } else {
            Self::Gemm(parallelism())
        }
    }

    /// Whether a product summing over `k` numbers goes to [`crate::kernel`].
    fn dot(self, k: usize) -> bool {
        matches!(self, Self::Dot) && k >= 4
    }

    fn threads(self) -> Parallelism {
        match self {
            Self::Gemm(t) => t,
            Self::Dot => Parallelism::None,
        }
    }
}

/// The activations and gradients of one step, kept between steps so that a step allocates nothing.
#[derive(Default)]
pub struct Work {
    n: usize,
    /// A CVAE's encoder input [x, one-hot y] (n, input + classes), decoder input [z, one-hot y]
    /// (n, latent + classes), and that input's gradient. Empty for the other families.
    xin: Vec<f32>,
    zin: Vec<f32>,
    dzin: Vec<f32>,
    /// Encoder and decoder hidden activations, after ReLU.
    enc: Vec<Vec<f32>>,
    dec: Vec<Vec<f32>>,
    /// The posterior: its parameters, the code z, and their gradients.
    post: Gaussian,
    /// The logits, overwritten by d objective / d logits.
    logits: Vec<f32>,
    /// Each image's reconstruction term and KL term (0 for an autoencoder).
    recon: Vec<f32>,
    kl: Vec<f32>,
    /// Two gradient buffers, each (n, widest hidden layer): the layer's output gradient and its input's.
    dy: Vec<f32>,
    dx: Vec<f32>,
}

/// The posterior's buffers, each (n, latent): mu and log sigma^2 from the heads, sigma, the sample
/// z = mu + sigma eps, and the gradients of the objective with respect to mu, log sigma^2 and z. An
/// autoencoder uses `z` (its head's output) and `dz` alone.
#[derive(Default)]
struct Gaussian {
    mu: Vec<f32>,
    logvar: Vec<f32>,
    sigma: Vec<f32>,
    z: Vec<f32>,
    dmu: Vec<f32>,
    dlogvar: Vec<f32>,
    dz: Vec<f32>,
}

impl Net {
    pub fn new(cfg: &VaeConfig) -> Self {
        let mut layers = Vec::new();
        let mut at = 0;
        for d in cfg.layers() {
            layers.push(Layer { inp: d.inp, out: d.out, w: at, b: at + d.out * d.inp });
            at += d.params();
        }
        Self { cfg: cfg.clone(), layers, len: at, products: Products::here() }
    }

    /// Whether [`Net::split_loss_and_grad`] gives the shares' sum to the bit: with the kernels' products,
    /// whose sums for a row are the same whatever the rows beside it; not with gemm's, whose sums for a row
    /// change with the number of rows it is given (seen here: a batch of 23 in one pass against shares of 12
    /// and 11 rows, the loss parts apart in their last bits). The native trainer, on gemm, steps in shares.
    pub fn one_pass_shares(&self) -> bool {
        matches!(self.products, Products::Dot)
    }

    /// Number of parameters: the length of the flat buffer.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn config(&self) -> &VaeConfig {
        &self.cfg
    }

    /// Each parameter's name, shape and place in the flat buffer.
    pub fn params(&self) -> Vec<(String, Vec<usize>, Range<usize>)> {
        let places = self.layers.iter().flat_map(|l| [l.w..l.b, l.b..l.b + l.out]);
        param_shapes(&self.cfg).into_iter().zip(places).map(|((name, shape), r)| (name, shape, r)).collect()
    }

    /// The layers by part: encoder, heads, decoder (its hidden layers and then the output layer).
    fn parts(&self) -> (&[Layer], &[Layer], &[Layer]) {
        let h = self.cfg.hidden.len();
        let heads = if self.cfg.family.gaussian() { 2 } else { 1 };
        let (enc, rest) = self.layers.split_at(h);
        let (heads, dec) = rest.split_at(heads);
        (enc, heads, dec)
    }

    /// The number of images in `x`, after checking the buffers' lengths (a wrong length is a caller's bug).
    fn images(&self, x: &[f32], labels: Option<&[u8]>, eps: Option<&[f32]>) -> usize {
        let n = x.len() / self.cfg.input;
        assert!(n > 0 && x.len() == n * self.cfg.input, "x must hold whole images");
        if let Some(eps) = eps.filter(|_| self.cfg.family.gaussian()) {
            assert_eq!(eps.len(), n * self.cfg.latent, "eps must hold latent numbers per image");
        }
        self.check_labels(labels, n);
        n
    }

    /// A CVAE's labels: one per row, each below `classes` (a wrong one is a caller's bug).
    fn check_labels(&self, labels: Option<&[u8]>, n: usize) {
        if self.cfg.conditional() {
            let y = labels.expect("a cvae needs labels");
            assert!(y.len() == n && y.iter().all(|&c| (c as usize) < self.cfg.classes), "labels out of range");
        }
    }

    /// The input of a network: for a CVAE, the rows of `src` (n, width) each joined to its label's one-hot
    /// vector, written into `buf`; for the other families, `src` itself.
    fn with_labels<'a>(&self, src: &'a [f32], width: usize, labels: Option<&[u8]>, buf: &'a mut Vec<f32>) -> &'a [f32] {
        match labels.filter(|_| self.cfg.conditional()) {
            Some(y) => {
                join_one_hot(src, width, y, self.cfg.classes, buf);
                buf
            }
            None => src,
        }
    }

    /// The objective mean_i(recon_i + beta kl_i) of the images `x` (n, input), labelled `labels` (a CVAE's),
    /// with noise `eps` (n, latent; a Gaussian posterior's), and, if it is finite, its gradient with respect
    /// to every parameter written into `grad`. An autoencoder's objective is the reconstruction alone.
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_grad(
        &self,
        p: &[f32],
        grad: &mut [f32],
        x: &[f32],
        labels: Option<&[u8]>,
        eps: &[f32],
        beta: f32,
        w: &mut Work,
    ) -> LossParts {
        let n = x.len() / self.cfg.input;
        self.share_loss_and_grad(p, grad, x, labels, eps, beta, n, w)
    }

    /// As [`Net::loss_and_grad`], for images `x` that are some of the rows of a batch of `of`: their share of
    /// the batch's objective and gradient (their sums divided by `of`), so that the shares of a batch's rows
    /// add up to the batch's mean and its gradient. A training step is computed in such shares
    /// ([`crate::train::SHARDS`]), by one worker or several.
    #[allow(clippy::too_many_arguments)]
    pub fn share_loss_and_grad(
        &self,
        p: &[f32],
        grad: &mut [f32],
        x: &[f32],
        labels: Option<&[u8]>,
        eps: &[f32],
        beta: f32,
        of: usize,
        w: &mut Work,
    ) -> LossParts {
        let n = x.len() / self.cfg.input;
        self.split_loss_and_grad(p, grad, x, labels, eps, beta, of, n, w)[0]
    }

    /// Two shares of a batch at once: as [`Net::share_loss_and_grad`] on rows `..cut` and on rows `cut..` of
    /// `x`, with the second share's gradient added to the first's, in one pass over the rows. Every sum over
    /// rows (the weight and bias gradients, the loss) is broken at `cut`; the rest is computed row by row.
    /// Where [`Net::one_pass_shares`], the gradient written into `grad` is therefore, to the bit, the first
    /// share's plus the second's, as [`crate::train::Trainer::apply_shares`] adds them. One worker's step: the
    /// layers' products run on the whole batch (each weight matrix read once per step, not once per share), and
    /// no second gradient buffer is written and summed. Returns each share's loss parts; the gradient is left
    /// as it was unless both are finite.
    #[allow(clippy::too_many_arguments)]
    pub fn split_loss_and_grad(
        &self,
        p: &[f32],
        grad: &mut [f32],
        x: &[f32],
        labels: Option<&[u8]>,
        eps: &[f32],
        beta: f32,
        of: usize,
        cut: usize,
        w: &mut Work,
    ) -> [LossParts; 2] {
        assert_eq!(grad.len(), self.len);
        let n = self.images(x, labels, Some(eps));
        assert!(n <= of, "a share of a batch holds at most the batch's rows");
        assert!(cut <= n, "the cut between two shares is inside the rows");
        let inv_n = 1.0 / of as f32;
        self.forward_terms(p, x, labels, eps, inv_n, w);
        let parts = [0..cut, cut..n].map(|r| {
            if r.is_empty() {
                return LossParts::default();
            }
            let (rc, kl) = (&w.recon[r.clone()], &w.kl[r]);
            let objective = rc.iter().zip(kl).map(|(r, k)| r + beta * k).sum::<f32>();
            let (recon, kl) = (rc.iter().sum::<f32>(), kl.iter().sum::<f32>());
            LossParts { loss: objective * inv_n, recon: recon * inv_n, kl: kl * inv_n }
        });
        if parts.iter().all(LossParts::is_finite) {
            self.backward(p, grad, x, eps, beta * inv_n, Rows { n, cut }, w);
        }
        parts
    }

    /// Each image's reconstruction term (with the given eps) and KL term (0 for an autoencoder), on the
    /// forward pass alone: the evaluation and the anomaly score.
    pub fn terms<'w>(
        &self,
        p: &[f32],
        x: &[f32],
        labels: Option<&[u8]>,
        eps: &[f32],
        w: &'w mut Work,
    ) -> (&'w [f32], &'w [f32]) {
        self.images(x, labels, Some(eps));
        self.forward_terms(p, x, labels, eps, 1.0, w);
        (&w.recon, &w.kl)
    }

    /// The model as a composition of its pieces: [the CVAE's label joined to the images], the encoder's
    /// dense + ReLU layers, the posterior (a Gaussian's two heads and the reparameterisation, or an
    /// autoencoder's one head), [the label joined to z], the decoder's dense + ReLU layers, the logits' layer,
    /// and the likelihood (Bernoulli or Gaussian) with the KL term. Leaves each image's terms in `w.recon` and
    /// `w.kl`, and d objective / d logits, at `scale` per image, in place of the logits.
    fn forward_terms(&self, p: &[f32], x: &[f32], labels: Option<&[u8]>, eps: &[f32], scale: f32, w: &mut Work) {
        assert_eq!(p.len(), self.len);
        let (d, lat) = (self.cfg.input, self.cfg.latent);
        let n = x.len() / d;
        self.size_work(w, n);
        let (enc, heads, dec) = self.parts();
        let (h, t) = (self.cfg.hidden.len(), self.products);
        let gaussian = self.cfg.family.gaussian();

        let xin = self.with_labels(x, d, labels, &mut w.xin);
        stack_forward(p, enc, xin, &mut w.enc, t);
        let top = w.enc.last().unwrap();
        if gaussian {
            gaussian_forward(p, heads, top, eps, &mut w.post, t);
        } else {
            forward(p, &heads[0], top, &mut w.post.z, false, t);
        }
        let zin = self.with_labels(&w.post.z, lat, labels, &mut w.zin);
        stack_forward(p, &dec[..h], zin, &mut w.dec, t);
        forward(p, &dec[h], w.dec.last().unwrap(), &mut w.logits, false, t);

        let likelihood = match self.cfg.likelihood {
            Likelihood::Bernoulli => bce_and_grad,
            Likelihood::Gaussian => gaussian_and_grad,
        };
        for i in 0..n {
            w.recon[i] = likelihood(&mut w.logits[i * d..(i + 1) * d], &x[i * d..(i + 1) * d], scale);
            w.kl[i] = if gaussian {
                gaussian_kl(&w.post.mu[i * lat..(i + 1) * lat], &w.post.logvar[i * lat..(i + 1) * lat])
            } else {
                0.0
            };
        }
    }

    /// Every piece's backward, in reverse order, after `forward_terms`: the decoder from d logits to the
    /// gradient of its input (z, or [z, y] for a CVAE, whose y part is dropped); the posterior and its heads
    /// (with the KL term at `kl_scale` per image), to the encoder's top layer; the encoder (the images and
    /// labels need no gradient).
    #[allow(clippy::too_many_arguments)]
    fn backward(&self, p: &[f32], grad: &mut [f32], x: &[f32], eps: &[f32], kl_scale: f32, rows: Rows, w: &mut Work) {
        let (n, lat, classes) = (rows.n, self.cfg.latent, self.cfg.classes);
        debug_assert_eq!(n, w.n);
        let (enc, heads, dec) = self.parts();
        let t = self.products;
        let cvae = self.cfg.conditional();
        let (xin, zin) = if cvae { (&w.xin[..], &w.zin[..]) } else { (x, &w.post.z[..]) };
        let dzin = if cvae { &mut w.dzin[..] } else { &mut w.post.dz[..] };
        stack_backward(grad, p, dec, rows, zin, &w.dec, Some(&w.logits), Some(dzin), &mut w.dy, &mut w.dx, t);
        if cvae {
            for (dz, row) in w.post.dz.chunks_exact_mut(lat).zip(w.dzin.chunks_exact(lat + classes)) {
                dz.copy_from_slice(&row[..lat]);
            }
        }
        let top = w.enc.last().unwrap();
        let dtop = &mut w.dy[..top.len()];
        if self.cfg.family.gaussian() {
            gaussian_backward(grad, p, heads, rows, top, eps, kl_scale, &mut w.post, dtop, t);
        } else {
            backward_params(grad, &heads[0], rows, top, &w.post.dz, t);
            backward_input(p, &heads[0], n, &w.post.dz, dtop, false, t);
        }
        relu_backward(dtop, top);
        stack_backward(grad, p, enc, rows, xin, &w.enc, None, None, &mut w.dy, &mut w.dx, t);
    }

    /// The encoder alone: x (n, input) [with a CVAE's labels] -> mu (a VAE's) or z (an autoencoder's), and
    /// log sigma^2 for a Gaussian posterior, each (n, latent).
    pub fn encode(&self, p: &[f32], x: &[f32], labels: Option<&[u8]>) -> (Vec<f32>, Option<Vec<f32>>) {
        assert_eq!(p.len(), self.len);
        let (d, lat) = (self.cfg.input, self.cfg.latent);
        let n = self.images(x, labels, None);
        let (enc, heads, _) = self.parts();
        let mut joined = Vec::new();
        let xin = self.with_labels(x, d, labels, &mut joined);
        let mut acts: Vec<Vec<f32>> = enc.iter().map(|l| vec![0f32; n * l.out]).collect();
        stack_forward(p, enc, xin, &mut acts, self.products);
        let top = acts.last().unwrap();
        let mut outs = heads.iter().map(|l| {
            let mut v = vec![0f32; n * lat];
            forward(p, l, top, &mut v, false, self.products);
            v
        });
        (outs.next().unwrap(), outs.next())
    }

    /// The decoder alone: z (n, latent) [with a CVAE's labels] -> the likelihood's means, sigmoid(logits),
    /// (n, input): Bernoulli pixel probabilities, or the Gaussian's means.
    pub fn decode(&self, p: &[f32], z: &[f32], labels: Option<&[u8]>) -> Vec<f32> {
        assert_eq!(p.len(), self.len);
        let (lat, h) = (self.cfg.latent, self.cfg.hidden.len());
        let n = z.len() / lat;
        assert!(n > 0 && z.len() == n * lat, "z must hold whole points");
        let (_, _, dec) = self.parts();
        self.check_labels(labels, n);
        let mut joined = Vec::new();
        let zin = self.with_labels(z, lat, labels, &mut joined);
        let mut acts: Vec<Vec<f32>> = dec[..h].iter().map(|l| vec![0f32; n * l.out]).collect();
        stack_forward(p, &dec[..h], zin, &mut acts, self.products);
        let mut x = vec![0f32; n * self.cfg.input];
        forward(p, &dec[h], acts.last().unwrap(), &mut x, false, self.products);
        sigmoid(&mut x);
        x
    }

    fn size_work(&self, w: &mut Work, n: usize) {
        if w.n == n && w.enc.len() == self.cfg.hidden.len() && w.logits.len() == n * self.cfg.input {
            return;
        }
        let (lat, classes, widest) = (self.cfg.latent, self.cfg.classes, *self.cfg.hidden.iter().max().unwrap());
        w.n = n;
        let cvae = self.cfg.conditional();
        w.xin = vec![0.0; if cvae { n * (self.cfg.input + classes) } else { 0 }];
        w.zin = vec![0.0; if cvae { n * (lat + classes) } else { 0 }];
        w.dzin = w.zin.clone();
        w.enc = self.cfg.hidden.iter().map(|&k| vec![0.0; n * k]).collect();
        w.dec = self.cfg.hidden.iter().rev().map(|&k| vec![0.0; n * k]).collect();
        let g = &mut w.post;
        for v in [&mut g.mu, &mut g.logvar, &mut g.sigma, &mut g.z, &mut g.dmu, &mut g.dlogvar, &mut g.dz] {
            *v = vec![0.0; n * lat];
        }
        w.logits = vec![0.0; n * self.cfg.input];
        w.recon = vec![0.0; n];
        w.kl = vec![0.0; n];
        w.dy = vec![0.0; n * widest];
        w.dx = vec![0.0; n * widest];
    }
}

/// Rows of `src` (n, width) each followed by the one-hot vector of its label: `dst` (n, width + classes).
/// A CVAE's input: [x, y] to the encoder and [z, y] to the decoder.
fn join_one_hot(src: &[f32], width: usize, labels: &[u8], classes: usize, dst: &mut Vec<f32>) {
    dst.resize(labels.len() * (width + classes), 0.0);
    for ((row, &y), out) in src.chunks_exact(width).zip(labels).zip(dst.chunks_exact_mut(width + classes)) {
        let (head, tail) = out.split_at_mut(width);
        head.copy_from_slice(row);
        tail.fill(0.0);
        tail[y as usize] = 1.0;
    }
}

/// Forward through a stack of dense layers, each followed by ReLU: layer i's output into `outs[i]`.
fn stack_forward(p: &[f32], layers: &[Layer], input: &[f32], outs: &mut [Vec<f32>], t: Products) {
    for (i, l) in layers.iter().enumerate() {
        let (done, rest) = outs.split_at_mut(i);
        let x = if i == 0 { input } else { &done[i - 1][..] };
        forward(p, l, x, &mut rest[0], true, t);
    }
}

/// Backward through a stack of dense layers (ReLU after each but the last's, whose output gradient is given):
/// every layer's parameter gradients, and, if `dinput` is given, the gradient of the stack's input. `acts`
/// are the outputs of all but the last layer. The last layer's output gradient is `dtop`, or, if that is
/// None, already in `dy`. `dy` and `dx` are the two scratch buffers the layers pass the gradient through.
#[allow(clippy::too_many_arguments)]
fn stack_backward(
    grad: &mut [f32],
    p: &[f32],
    layers: &[Layer],
    rows: Rows,
    input: &[f32],
    acts: &[Vec<f32>],
    dtop: Option<&[f32]>,
    mut dinput: Option<&mut [f32]>,
    dy: &mut Vec<f32>,
    dx: &mut Vec<f32>,
    t: Products,
) {
    let (last, n) = (layers.len() - 1, rows.n);
    for (i, l) in layers.iter().enumerate().rev() {
        let x = if i == 0 { input } else { &acts[i - 1][..] };
        let g = match dtop {
            Some(d) if i == last => d,
            _ => &dy[..n * l.out],
        };
        backward_params(grad, l, rows, x, g, t);
        if i > 0 {
            let d = &mut dx[..n * l.inp];
            backward_input(p, l, n, g, d, false, t);
            relu_backward(d, x);
            std::mem::swap(dx, dy);
        } else if let Some(d) = dinput.as_deref_mut() {
            backward_input(p, l, n, g, d, false, t);
        }
    }
}

/// The Gaussian posterior, forward: mu and log sigma^2 from the encoder's top layer `top` through the two
/// heads, then the reparameterisation trick z = mu + sigma * eps, sigma = exp(log sigma^2 / 2).
fn gaussian_forward(p: &[f32], heads: &[Layer], top: &[f32], eps: &[f32], g: &mut Gaussian, t: Products) {
    forward(p, &heads[0], top, &mut g.mu, false, t);
    forward(p, &heads[1], top, &mut g.logvar, false, t);
    let noise = g.mu.iter().zip(&g.logvar).zip(eps);
    for ((s, z), ((&mu, &lv), &e)) in g.sigma.iter_mut().zip(&mut g.z).zip(noise) {
        *s = (lv * 0.5).exp();
        *z = mu + *s * e;
    }
}

/// KL(N(mu, sigma^2) || N(0, I)) of one image: -1/2 sum_j (1 + log sigma^2 - mu^2 - sigma^2).
fn gaussian_kl(mu: &[f32], logvar: &[f32]) -> f32 {
    let sum: f32 = mu.iter().zip(logvar).map(|(&m, &lv)| 1.0 + lv - m * m - lv.exp()).sum();
    sum * -0.5
}

/// The Gaussian posterior, backward, from dz (in `g.dz`) and the KL term weighted by `kl_scale` (beta / n):
///   d/dmu = dz + kl_scale mu,   d/dlog sigma^2 = dz eps sigma / 2 + kl_scale (sigma^2 - 1) / 2,
/// then both heads' parameter gradients, and the gradient of their input `top` into `dtop`.
#[allow(clippy::too_many_arguments)]
fn gaussian_backward(
    grad: &mut [f32],
    p: &[f32],
    heads: &[Layer],
    rows: Rows,
    top: &[f32],
    eps: &[f32],
    kl_scale: f32,
    g: &mut Gaussian,
    dtop: &mut [f32],
    t: Products,
) {
    let inputs = g.dz.iter().zip(eps).zip(g.sigma.iter().zip(g.mu.iter().zip(&g.logvar)));
    for ((dmu, dlv), ((&dz, &e), (&sg, (&mu, &lv)))) in g.dmu.iter_mut().zip(&mut g.dlogvar).zip(inputs) {
        *dmu = dz + kl_scale * mu;
        *dlv = dz * e * sg * 0.5 + kl_scale * 0.5 * (lv.exp() - 1.0);
    }
    let (lm, lv) = (&heads[0], &heads[1]);
    backward_params(grad, lm, rows, top, &g.dmu, t);
    backward_params(grad, lv, rows, top, &g.dlogvar, t);
    backward_input(p, lm, rows.n, &g.dmu, dtop, false, t);
    backward_input(p, lv, rows.n, &g.dlogvar, dtop, true, t);
}

/// y (n, out) = x (n, in) W^T + b, then ReLU if asked: the bias fills y and the product is added to it.
fn forward(p: &[f32], l: &Layer, x: &[f32], y: &mut [f32], relu: bool, t: Products) {
    let bias = &p[l.b..l.b + l.out];
    for row in y.chunks_exact_mut(l.out) {
        row.copy_from_slice(bias);
    }
    linear(x, &p[l.w..l.b], l.inp, y, true, t);
    if relu {
        // `if`, not `f32::max`, which wasm compiles to a libm call per element.
        y.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
    }
}

/// A step's rows, and the row at which its sums over rows break ([`Net::split_loss_and_grad`]): `n` where
/// they do not.
#[derive(Clone, Copy, Debug)]
struct Rows {
    n: usize,
    cut: usize,
}

/// dW (out, in) = dy^T x and db = the column sums of dy, written into `grad` at the layer's offsets: the sums
/// over rows `..cut`, plus, if there are rows after the cut, the sums over those (each from 0, in row order).
fn backward_params(grad: &mut [f32], l: &Layer, rows: Rows, x: &[f32], dy: &[f32], t: Products) {
    let (gw, gb) = grad[l.w..l.b + l.out].split_at_mut(l.out * l.inp);
    let Rows { n, cut } = rows;
    // Each block's product, the second added to the first's.
    for (i, r) in [0..cut, cut..n].into_iter().filter(|r| !r.is_empty()).enumerate() {
        let (k, dy, x) = (r.len(), &dy[r.start * l.out..r.end * l.out], &x[r.start * l.inp..r.end * l.inp]);
        if t.dot(k) {
            // dW (out, in) = dy^T x: dy read by columns, x by rows.
            product_nn(dy, 1, l.out, l.out, x, k, gw, i > 0);
        } else {
            // dy^T as an (out, k) matrix: element (j, i) is dy[i * out + j].
            matmul(l.out, l.inp, k, gw, i > 0, (dy, 1, l.out as isize), (x, l.inp as isize, 1), t.threads());
        }
    }
    column_sums(&dy[..cut * l.out], gb, false);
    if cut < n {
        column_sums(&dy[cut * l.out..n * l.out], gb, true);
    }
}

/// The column sums of `rows` (each as wide as `sums`), summed from 0 in row order and written into `sums` or
/// added to it: sixteen columns at a time on the stack, so that a block's sums are the same bits whether they
/// are written or added to another block's.
fn column_sums(rows: &[f32], sums: &mut [f32], add: bool) {
    const W: usize = 16;
    let width = sums.len();
    for (j, b) in (0..width).step_by(W).zip(sums.chunks_mut(W)) {
        let mut s = [0f32; W];
        for row in rows.chunks_exact(width) {
            s.iter_mut().zip(&row[j..j + b.len()]).for_each(|(s, g)| *s += g);
        }
        if add {
            b.iter_mut().zip(&s).for_each(|(b, s)| *b += s);
        } else {
            b.copy_from_slice(&s[..b.len()]);
        }
    }
}

/// dx (n, in) = [dx +] dy (n, out) W, with W stored (out, in): the gradient with respect to the layer's input.
fn backward_input(p: &[f32], l: &Layer, n: usize, dy: &[f32], dx: &mut [f32], add: bool, t: Products) {
    let w = &p[l.w..l.b];
    if t.dot(l.out) {
        // dx (n, in) = dy (n, out) W (out, in): both read by rows.
        product_nn(dy, l.out, 1, n, w, l.out, dx, add);
    } else {
        matmul(n, l.inp, l.out, dx, add, (dy, l.out as isize, 1), (w, l.inp as isize, 1), t.threads());
    }
}

/// Zeroes the gradient where the ReLU's output was 0.
fn relu_backward(dx: &mut [f32], activation: &[f32]) {
    // A select, not a branch: the signs are close to random, and a branch would mispredict on half of them.
    dx.iter_mut().zip(activation).for_each(|(g, &a)| *g = if a > 0.0 { *g } else { 0.0 });
}

/// Binary cross-entropy of one image, summed over its pixels, from logits in the stable form
///   relu(l) - x l + log(1 + exp(-|l|)),
/// replacing each logit by the objective's gradient with respect to it, (sigmoid(l) - x) * scale.
/// Four pixels at a time: exp and ln are `wide`'s vector versions (Cephes' polynomials, within a few ulp
/// of libm's, tested), several times faster than libm's scalar calls in wasm.
fn bce_and_grad(logits: &mut [f32], x: &[f32], scale: f32) -> f32 {
    let (one, scale) = (f32x4::ONE, f32x4::splat(scale));
    // Four pixels: their losses and the gradients.
    let pixels = |l: f32x4, x: f32x4| {
        let e = (-l.abs()).exp();
        let bce = l.max(f32x4::ZERO) - x * l + (e + one).ln();
        // sigmoid(l) = 1 / (1 + e) for l >= 0 and e / (1 + e) below, with e = exp(-|l|) <= 1.
        let s = l.cmp_lt(f32x4::ZERO).blend(e, one) / (one + e);
        (bce, (s - x) * scale)
    };
    let mut sum = f32x4::ZERO;
    let full = logits.len() / 4 * 4;
    for (l, x) in logits[..full].chunks_exact_mut(4).zip(x[..full].chunks_exact(4)) {
        let (bce, grad) = pixels(quad(l), quad(x));
        sum += bce;
        l.copy_from_slice(&grad.to_array());
    }
    // The last one to three, padded with l = x = 0, whose loss (log 2) is left out of the sum.
    let rest = logits.len() - full;
    if rest > 0 {
        let (bce, grad) = pixels(padded(&logits[full..]), padded(&x[full..]));
        logits[full..].copy_from_slice(&grad.to_array()[..rest]);
        sum += f32x4::from(std::array::from_fn(|i| if i < rest { bce.to_array()[i] } else { 0.0 }));
    }
    sum.reduce_add()
}

/// The Gaussian likelihood of one image, with mean m = sigmoid(l) and the fixed standard deviation
/// [`GAUSSIAN_SIGMA`]: its negative log-density summed over the pixels,
///   sum (x - m)^2 / (2 sigma^2) + d (ln sigma + ln(2 pi) / 2),
/// replacing each logit by the objective's gradient with respect to it, (m - x) m (1 - m) / sigma^2 * scale.
fn gaussian_and_grad(logits: &mut [f32], x: &[f32], scale: f32) -> f32 {
    let inv_var = 1.0 / (GAUSSIAN_SIGMA * GAUSSIAN_SIGMA);
    let per_pixel = GAUSSIAN_SIGMA.ln() + 0.5 * (2.0 * std::f32::consts::PI).ln();
    sigmoid(logits);
    let mut sq = 0f32;
    for (m, &x) in logits.iter_mut().zip(x) {
        let r = *m - x;
        sq += r * r;
        *m = r * *m * (1.0 - *m) * inv_var * scale;
    }
    0.5 * sq * inv_var + x.len() as f32 * per_pixel
}

/// The logistic function in place, four at a time: 1 / (1 + e) for l >= 0 and e / (1 + e) below, with
/// e = exp(-|l|) <= 1, so that exp never overflows. NaN stays NaN.
fn sigmoid(v: &mut [f32]) {
    let one = f32x4::ONE;
    let logistic = |l: f32x4| {
        let e = (-l.abs()).exp();
        // `wide`'s exp gives 0 for NaN: keep a NaN a NaN, so that an overflowing model is caught.
        l.is_nan().blend(l, l.cmp_lt(f32x4::ZERO).blend(e, one) / (one + e))
    };
    let full = v.len() / 4 * 4;
    for l in v[..full].chunks_exact_mut(4) {
        l.copy_from_slice(&logistic(quad(l)).to_array());
    }
    let rest = v.len() - full;
    if rest > 0 {
        let tail = logistic(padded(&v[full..]));
        v[full..].copy_from_slice(&tail.to_array()[..rest]);
    }
}

/// Threads for the products: candle's count natively (RAYON_NUM_THREADS, else the cores), one in wasm. Read
/// once per process: candle reads the environment on every call.
fn parallelism() -> Parallelism {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    match *THREADS.get_or_init(candle_core::utils::get_num_threads) {
        t if t > 1 && cfg!(not(target_arch = "wasm32")) => Parallelism::Rayon(t),
        _ => Parallelism::None,
    }
}

/// A strided matrix: the slice, the step between rows and the step between columns.
type Strided<'a> = (&'a [f32], isize, isize);

/// dst (m, n), row-major, = [dst +] a (m, k) b (k, n), after checking that every index is inside its slice.
#[allow(clippy::too_many_arguments)]
fn matmul(m: usize, n: usize, k: usize, dst: &mut [f32], add: bool, a: Strided, b: Strided, threads: Parallelism) {
    let last = |rows: usize, cols: usize, rs: isize, cs: isize| (rows as isize - 1) * rs + (cols as isize - 1) * cs;
    assert!(m > 0 && n > 0 && k > 0);
    assert!(dst.len() >= m * n, "product destination too small");
    assert!(a.1 >= 0 && a.2 >= 0 && (last(m, k, a.1, a.2) as usize) < a.0.len(), "left factor out of bounds");
    assert!(b.1 >= 0 && b.2 >= 0 && (last(k, n, b.1, b.2) as usize) < b.0.len(), "right factor out of bounds");
    // SAFETY: the asserts above keep every index gemm reads or writes inside its slice, and `dst` is borrowed
    // mutably, so it overlaps neither factor.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            add,
            a.0.as_ptr(),
            a.2,
            a.1,
            b.0.as_ptr(),
            b.2,
            b.1,
            1.0,
            1.0,
            false,
            false,
            false,
            threads,
        )
    }
}

/// y (n, out) = x (n, in) W^T with W stored (out, in): the forward product alone, exactly as the layers
/// call it, for the speed probe, so that the bound the step is measured against is the code the step runs.
pub fn linear_product(x: &[f32], w: &[f32], inp: usize, out: usize, y: &mut [f32]) {
    linear(x, &w[..out * inp], inp, y, false, Products::here());
}

/// y (n, out) = [y +] x (n, in) W^T, W stored (out, in).
fn linear(x: &[f32], w: &[f32], inp: usize, y: &mut [f32], add: bool, t: Products) {
    if t.dot(inp) {
        product_t(x, w, inp, y, add);
    } else {
        let (n, out) = (x.len() / inp, w.len() / inp);
        // W^T as an (in, out) matrix: element (k, j) is W[j, k] = w[j * in + k].
        matmul(n, out, inp, y, add, (x, inp as isize, 1), (w, 1, inp as isize), t.threads());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use candle_core::{DType, Device, Tensor};
    use candle_nn::VarBuilder;

    use super::*;
    use crate::candle::{one_hot, CandleModel, CandleVars};
    use crate::config::Family;
    use crate::model::Model;

    /// The three families, a CVAE with 4 classes.
    const FAMILIES: [(Family, usize); 3] = [(Family::Vae, 0), (Family::Ae, 0), (Family::Cvae, 4)];

    /// Labels 0, 1, 2, ... (mod classes) for n images, for a CVAE.
    fn labels_for(cfg: &VaeConfig, n: usize) -> Option<Vec<u8>> {
        cfg.conditional().then(|| (0..n).map(|i| (i % cfg.classes) as u8).collect())
    }

    /// The candle engine's tensors for images x, labels and eps, in `dtype`.
    fn candle_inputs(cfg: &VaeConfig, x: &[f32], y: Option<&[u8]>, eps: &[f32], dtype: DType) -> [Option<Tensor>; 3] {
        let (dev, n) = (Device::Cpu, x.len() / cfg.input);
        let t = |v: &[f32], w: usize| Tensor::from_slice(v, (v.len() / w, w), &dev).unwrap().to_dtype(dtype).unwrap();
        let eps = if cfg.family.gaussian() {
            t(eps, cfg.latent)
        } else {
            Tensor::zeros((n, cfg.latent), dtype, &dev).unwrap()
        };
        let y = y.map(|y| one_hot(y, cfg.classes, &dev).unwrap().to_dtype(dtype).unwrap());
        [Some(t(x, cfg.input)), y, Some(eps)]
    }

    /// The loss and every parameter's gradient, against candle's autograd on the candle engine (candle-nn's
    /// layers, the loss of `crate::loss`) with the same weights, images, labels and eps: for each family (VAE,
    /// AE, CVAE) and likelihood, at latent sizes 1, 2, 3 and 8; two hidden layers and one and three, a batch of
    /// one and of several, beta of 0.7, 1, 0 and 0.5, with weights large enough that some ReLUs are off; with
    /// gemm's products and with the dot-form kernel's (whose rows of 5, 6 and 9 leave a tail after groups of
    /// four).
    /// Mutations that turn it red: drop the factor m (1 - m) from `gaussian_and_grad`'s gradient; copy the
    /// label's columns of d[z, y] into dz in `backward`; give the AE's head gradient a KL term.
    #[test]
    fn gradient_equals_candle_autograd() {
        let cases = [(vec![6, 5], 4, 0.7), (vec![7], 3, 1.0), (vec![4, 3, 5], 1, 0.0), (vec![9], 6, 0.5)];
        let kernels = [Products::Gemm(Parallelism::None), Products::Dot];
        let likelihoods = [Likelihood::Bernoulli, Likelihood::Gaussian];
        let mut variants = Vec::new();
        for k in kernels {
            for l in likelihoods {
                for f in FAMILIES {
                    for z in [1, 2, 3, 8] {
                        variants.push((k, l, f, z));
                    }
                }
            }
        }
        for ((hidden, n, beta), (products, likelihood, (family, classes), latent)) in
            cases.into_iter().flat_map(|c| variants.iter().map(move |&v| (c.clone(), v)))
        {
            let cfg = VaeConfig { input: 12, hidden, latent, beta, likelihood, family, classes };
            let net = Net { products, ..Net::new(&cfg) };
            let p: Vec<f32> = (0..net.len()).map(|i| (i as f32 * 0.731).sin() * 0.8).collect();
            let x: Vec<f32> = (0..n * 12).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
            let eps: Vec<f32> = (0..n * latent).map(|i| (i as f32 * 1.3).cos() * 1.5).collect();
            let y = labels_for(&cfg, n);
            let mut grad = vec![f32::NAN; net.len()];
            let ours = net.loss_and_grad(&p, &mut grad, &x, y.as_deref(), &eps, beta as f32, &mut Work::default());

            let reference = CandleVars::new(&cfg, &p, &Device::Cpu).unwrap();
            let [xt, yt, et] = candle_inputs(&cfg, &x, y.as_deref(), &eps, DType::F32);
            let theirs = reference.model.loss(&xt.unwrap(), yt.as_ref(), &et.unwrap(), beta).unwrap();
            let scalar = |t: &Tensor| t.mean_all().unwrap().to_scalar::<f32>().unwrap();
            let close = |a: f32, b: f32, scale: f32| (a - b).abs() <= 1e-5 * scale.max(1.0);
            let what = format!("{family:?} {likelihood:?}, latent {latent}");
            assert!(close(ours.loss, scalar(&theirs.objective), ours.loss.abs()), "{what}: loss {ours:?}");
            assert!(close(ours.recon, scalar(&theirs.recon), ours.recon.abs()), "{what}: recon {ours:?}");
            assert!(close(ours.kl, scalar(&theirs.kl), ours.kl.abs()), "{what}: kl {ours:?}");
            if family == Family::Ae {
                assert_eq!((ours.kl, ours.loss), (0.0, ours.recon), "{what}: an AE's loss is its reconstruction");
            }

            let grads = theirs.objective.backward().unwrap();
            // The Gaussian's d objective / d logits carries 1 / sigma^2 (25) where the Bernoulli's is at most 1:
            // f32 rounding in everything behind the logits grows by the same factor.
            let amplified =
                if likelihood == Likelihood::Gaussian { 1.0 / (GAUSSIAN_SIGMA * GAUSSIAN_SIGMA) } else { 1.0 };
            // Tensors whose gradients are all small (below 1e-2) are held to 1e-7 absolute: their rounding comes
            // from the larger numbers behind them (an AE's second layer at latent 8 was off by 3.6e-8 of 3.6e-3).
            let mut dead = 0;
            for ((name, _, r), var) in net.params().into_iter().zip(&reference.vars) {
                let want = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
                let got = &grad[r];
                let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= 1e-5 * scale.max(1e-2) * amplified,
                        "{what}, {name}[{i}]: ours {g}, autograd {w}"
                    );
                }
                dead += want.iter().filter(|v| **v == 0.0).count();
            }
            if beta == 0.0 {
                // At beta = 0 the KL term's gradient is gone but sigma still scales eps: logvar keeps a gradient.
                assert!(grad.iter().any(|g| *g != 0.0));
            }
            assert!(dead > 0, "no ReLU was off: the test would not see a wrong mask");
        }
    }

    /// The gradient of each family against central finite differences of the loss computed in f64 (the
    /// candle engine built in F64), a check independent of both engines' backward passes: every parameter of
    /// a small CVAE and AE with a Gaussian likelihood and of a Bernoulli VAE, at h = 1e-4.
    #[test]
    fn gradient_equals_finite_differences() {
        for (family, classes, likelihood) in [
            (Family::Cvae, 3, Likelihood::Gaussian),
            (Family::Ae, 0, Likelihood::Gaussian),
            (Family::Vae, 0, Likelihood::Bernoulli),
        ] {
            let cfg = VaeConfig { input: 6, hidden: vec![5], latent: 2, beta: 0.8, likelihood, family, classes };
            let net = Net { products: Products::Gemm(Parallelism::None), ..Net::new(&cfg) };
            let p: Vec<f32> = (0..net.len()).map(|i| (i as f32 * 0.613).sin() * 0.7).collect();
            let n = 3;
            let x: Vec<f32> = (0..n * 6).map(|i| ((i * 5) % 7) as f32 / 6.0).collect();
            let eps: Vec<f32> = (0..n * 2).map(|i| (i as f32 * 0.9).cos()).collect();
            let y = labels_for(&cfg, n);
            let mut grad = vec![0f32; net.len()];
            net.loss_and_grad(&p, &mut grad, &x, y.as_deref(), &eps, 0.8, &mut Work::default());

            let [xt, yt, et] = candle_inputs(&cfg, &x, y.as_deref(), &eps, DType::F64);
            let (xt, et) = (xt.unwrap(), et.unwrap());
            let loss = |q: &[f64]| -> f64 {
                let dev = Device::Cpu;
                let tensors: HashMap<String, Tensor> = net
                    .params()
                    .into_iter()
                    .map(|(name, shape, r)| (name, Tensor::from_slice(&q[r], shape, &dev).unwrap()))
                    .collect();
                let m = CandleModel::new(&cfg, VarBuilder::from_tensors(tensors, DType::F64, &dev)).unwrap();
                m.loss(&xt, yt.as_ref(), &et, 0.8).unwrap().objective.to_scalar::<f64>().unwrap()
            };
            let base: Vec<f64> = p.iter().map(|&v| v as f64).collect();
            let h = 1e-4;
            for i in 0..net.len() {
                let (mut up, mut down) = (base.clone(), base.clone());
                up[i] += h;
                down[i] -= h;
                let fd = (loss(&up) - loss(&down)) / (2.0 * h);
                assert!(
                    (grad[i] as f64 - fd).abs() <= 2e-3 * fd.abs().max(0.1),
                    "{family:?} parameter {i}: ours {}, finite differences {fd}",
                    grad[i]
                );
            }
        }
    }

    /// The one-pass step of two shares ([`Net::split_loss_and_grad`]) against the two shares computed apart
    /// and summed as the trainer sums them: the same gradient and loss parts, to the bit, with the kernels'
    /// products ([`Net::one_pass_shares`]), every family and both likelihoods, with the cut at a tile's edge,
    /// off it, at the first rows (a first share of fewer than four rows, whose products sum over fewer than
    /// four numbers and go to gemm in the kernels' engine) and at the end (no second share); with hidden
    /// layers 20 and 9 wide (the bias sums' sixteen columns and a partial block).
    /// Mutations that turn it red: the second share's dW written, not added; its bias sums written, not
    /// added; each share's KL summed over all the rows.
    #[test]
    fn two_shares_in_one_pass_equal_the_shares_summed() {
        for likelihood in [Likelihood::Bernoulli, Likelihood::Gaussian] {
            for (family, classes) in FAMILIES {
                let cfg =
                    VaeConfig { input: 12, hidden: vec![20, 9], latent: 3, beta: 0.7, likelihood, family, classes };
                let net = Net { products: Products::Dot, ..Net::new(&cfg) };
                let n = 23;
                let p: Vec<f32> = (0..net.len()).map(|i| (i as f32 * 0.731).sin() * 0.8).collect();
                let x: Vec<f32> = (0..n * 12).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
                let eps: Vec<f32> = (0..n * 3).map(|i| (i as f32 * 1.3).cos() * 1.5).collect();
                let y = labels_for(&cfg, n);
                for cut in [12, 13, 2, n] {
                    let what = format!("{likelihood:?} {family:?}, cut {cut}");
                    let mut summed = vec![f32::NAN; net.len()];
                    let mut parts = [LossParts::default(); 2];
                    for (s, r) in [0..cut, cut..n].into_iter().enumerate() {
                        let mut g = vec![0f32; net.len()];
                        if !r.is_empty() {
                            let rows = |v: &[f32], w: usize| v[r.start * w..r.end * w].to_vec();
                            let ys = y.as_ref().map(|y| y[r.clone()].to_vec());
                            let (xs, es) = (rows(&x, 12), rows(&eps, 3));
                            parts[s] = net.share_loss_and_grad(
                                &p,
                                &mut g,
                                &xs,
                                ys.as_deref(),
                                &es,
                                0.7,
                                n,
                                &mut Work::default(),
                            );
                        }
                        if s == 0 {
                            summed = g;
                        } else {
                            summed.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
                        }
                    }
                    let mut grad = vec![f32::NAN; net.len()];
                    let ours = net.split_loss_and_grad(
                        &p,
                        &mut grad,
                        &x,
                        y.as_deref(),
                        &eps,
                        0.7,
                        n,
                        cut,
                        &mut Work::default(),
                    );
                    assert_eq!(ours, parts, "{what}");
                    for (name, _, at) in net.params() {
                        let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&grad[at.clone()]), bits(&summed[at]), "{what}: {name}");
                    }
                }
            }
        }
    }

    /// An autoencoder has no KL path: no log sigma^2 head, no eps read (any eps gives the same loss and
    /// gradient), and its loss is the reconstruction.
    #[test]
    fn an_autoencoder_has_no_kl_path() {
        let cfg = VaeConfig { input: 8, hidden: vec![6], latent: 2, family: Family::Ae, ..Default::default() };
        assert!(cfg.layers().iter().all(|d| !d.name.contains("logvar")));
        let net = Net::new(&cfg);
        let p: Vec<f32> = (0..net.len()).map(|i| (i as f32 * 0.37).sin()).collect();
        let x = [0.25f32; 16];
        let run = |eps: &[f32]| {
            let mut g = vec![0f32; net.len()];
            let parts = net.loss_and_grad(&p, &mut g, &x, None, eps, 1.0, &mut Work::default());
            (parts, g)
        };
        let (a, ga) = run(&[0.0; 4]);
        let (b, gb) = run(&[]);
        assert_eq!((a, ga), (b, gb));
        assert_eq!((a.kl, a.loss), (0.0, a.recon));
        let (z, logvar) = net.encode(&p, &x, None);
        assert_eq!((z.len(), logvar), (4, None));
    }

    /// The vectorised loss pass against the same formula in f64 with libm, over logits from -120 to 120 (past
    /// where exp underflows) and targets 0, 1 and between, on a row whose length is not a multiple of four.
    #[test]
    fn loss_pass_matches_f64() {
        let n = 24_003;
        let logits: Vec<f32> = (0..n).map(|i| -120.0 + 240.0 * i as f32 / (n - 1) as f32).collect();
        let x: Vec<f32> = (0..n).map(|i| [0.0, 1.0, 0.3, 0.87][i % 4]).collect();
        let mut g = logits.clone();
        let sum = bce_and_grad(&mut g, &x, 0.5);
        let mut want_sum = 0f64;
        for i in 0..n {
            let (l, x) = (logits[i] as f64, x[i] as f64);
            let bce = l.max(0.0) - x * l + (-l.abs()).exp().ln_1p();
            want_sum += bce;
            let want_g = (1.0 / (1.0 + (-l).exp()) - x) * 0.5;
            assert!((g[i] as f64 - want_g).abs() <= 2e-7, "gradient at l = {l}, x = {x}: {} against {want_g}", g[i]);
            // Each pixel's loss to within f32 rounding of its size (checked through a one-pixel call).
            let mut one = [logits[i]];
            let got = bce_and_grad(&mut one, &[x as f32], 1.0) as f64;
            assert!((got - bce).abs() <= 4e-7 * bce.abs().max(1.0), "loss at l = {l}, x = {x}: {got} against {bce}");
        }
        assert!((sum as f64 - want_sum).abs() <= 1e-5 * want_sum, "{sum} against {want_sum}");
    }

    /// Parameters of `cfg` whose parameter k's element i is sin((i a + k b) c): weights of order 1, with both
    /// signs, so that some ReLUs are off.
    fn sin_params(cfg: &VaeConfig, a: usize, b: usize, c: f32) -> Vec<f32> {
        crate::model::param_shapes(cfg)
            .into_iter()
            .enumerate()
            .flat_map(|(k, (_, shape))| {
                let len: usize = shape.iter().product();
                (0..len).map(move |i| ((i * a + k * b) as f32 * c).sin())
            })
            .collect()
    }

    /// `Model::decode_slice` (this module's decoder, with this target's products) and the decoder with the
    /// dot-form kernel against the candle engine's `decode` (candle's ops), with z far enough out that logits
    /// saturate both ways, for one and for three hidden layers, for each family (a CVAE in two classes).
    #[test]
    fn decoder_equals_candle_decode() {
        let mut saturated = 0;
        for hidden in [vec![7], vec![6, 9, 5]] {
            for (family, classes) in FAMILIES {
                let cfg =
                    VaeConfig { input: 13, hidden: hidden.clone(), latent: 3, family, classes, ..Default::default() };
                let dev = Device::Cpu;
                let p = sin_params(&cfg, 31, 7, 0.377);
                let reference = CandleVars::new(&cfg, &p, &dev).unwrap();
                let z: Vec<f32> = [0.0, 0.0, 0.0, 1.5, -2.0, 0.3, 300.0, -400.0, 250.0, -900.0, 800.0, -1.0].to_vec();
                let y = labels_for(&cfg, 4);
                let zt = Tensor::from_slice(&z, (4, 3), &dev).unwrap();
                let yt = y.as_deref().map(|y| one_hot(y, classes, &dev).unwrap());
                let theirs =
                    reference.model.decode(&zt, yt.as_ref()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
                let dot = Net { products: Products::Dot, ..Net::new(&cfg) }.decode(&p, &z, y.as_deref());
                let model = Model::new(&cfg, p).unwrap();
                // The dot-form kernel sums in another order than gemm (candle's kernel): at |z| in the hundreds
                // the hidden units reach about 1e3, where an f32 step is 6e-5, and their sum cancels down to a
                // logit near 1, so its pixels are held to 2e-5 (the largest difference seen was 4.6e-6);
                // `decode_slice`, which runs gemm natively, to 1e-6.
                for (ours, tol) in [(model.decode_slice(&z, y.as_deref()).unwrap(), 1e-6), (dot, 2e-5)] {
                    assert_eq!(ours.len(), theirs.len());
                    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                        assert!((a - b).abs() <= tol, "{family:?} pixel {i}: ours {a}, candle {b}");
                    }
                }
                saturated += theirs.iter().filter(|p| **p < 1e-6 || **p > 1.0 - 1e-6).count();
            }
        }
        assert!(saturated > 10, "the test should reach the sigmoid's saturated ends");
    }

    /// `Model::encode_slice` (this module's encoder) and the encoder with the dot-form kernel against the
    /// candle engine's `encode`, on images of every grey level, for one and for three hidden layers, for each
    /// family.
    /// Mutation that turns it red: the log sigma^2 head's weights for mu in `Net::encode`.
    #[test]
    fn encoder_equals_candle_encode() {
        for hidden in [vec![7], vec![6, 9, 5]] {
            for (family, classes) in FAMILIES {
                let cfg =
                    VaeConfig { input: 13, hidden: hidden.clone(), latent: 3, family, classes, ..Default::default() };
                let dev = Device::Cpu;
                let p = sin_params(&cfg, 29, 11, 0.411);
                let reference = CandleVars::new(&cfg, &p, &dev).unwrap();
                let x: Vec<f32> = (0..5 * 13).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
                let y = labels_for(&cfg, 5);
                let yt = y.as_deref().map(|y| one_hot(y, classes, &dev).unwrap());
                let (mu, lv) =
                    reference.model.encode(&Tensor::from_slice(&x, (5, 13), &dev).unwrap(), yt.as_ref()).unwrap();
                let flat = |t: Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                let theirs = (flat(mu), lv.map(flat));
                assert_eq!(theirs.1.is_some(), family.gaussian());
                let dot = Net { products: Products::Dot, ..Net::new(&cfg) }.encode(&p, &x, y.as_deref());
                let model = Model::new(&cfg, p).unwrap();
                // The values are of order 1 to 10; the dot-form kernel sums in another order than gemm.
                for ((mu, lv), tol) in [(model.encode_slice(&x, y.as_deref()).unwrap(), 1e-5), (dot, 1e-4)] {
                    let pairs = [(Some(mu), Some(&theirs.0), "mu"), (lv, theirs.1.as_ref(), "logvar")];
                    for (ours, theirs, what) in pairs {
                        assert_eq!(ours.is_some(), theirs.is_some(), "{family:?} {what}");
                        let (Some(ours), Some(theirs)) = (ours, theirs) else { continue };
                        assert_eq!(ours.len(), theirs.len());
                        for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
                            assert!((a - b).abs() <= tol, "{family:?} {what} {i}: ours {a}, candle {b}");
                        }
                    }
                }
            }
        }
    }

    /// A CVAE's label is an input: the same z decodes to different images in different classes, and the same
    /// image encodes to different posteriors.
    #[test]
    fn a_cvae_label_changes_its_decode_and_encode() {
        let cfg =
            VaeConfig { input: 10, hidden: vec![8], latent: 2, family: Family::Cvae, classes: 3, ..Default::default() };
        let p = sin_params(&cfg, 13, 5, 0.29);
        let model = Model::new(&cfg, p).unwrap();
        let z = [0.4, -0.7];
        let images: Vec<Vec<f32>> = (0..3).map(|c| model.decode_slice(&z, Some(&[c])).unwrap()).collect();
        for (a, b) in [(0, 1), (1, 2), (0, 2)] {
            let diff: f32 = images[a].iter().zip(&images[b]).map(|(p, q)| (p - q).abs()).sum();
            assert!(diff > 1e-2, "classes {a} and {b} decode alike ({diff})");
        }
        let x = [0.5f32; 10];
        assert_ne!(model.encode_slice(&x, Some(&[0])).unwrap().0, model.encode_slice(&x, Some(&[2])).unwrap().0);
        let e = model.decode_slice(&z, None).unwrap_err().to_string();
        assert!(e.contains("the labels are missing"), "{e}");
        let e = model.decode_slice(&z, Some(&[3])).unwrap_err().to_string();
        assert!(e.contains("labels[0] is 3") && e.contains("3 classes"), "{e}");
    }

    #[test]
    fn a_nonfinite_loss_leaves_the_gradient_alone() {
        let cfg = VaeConfig { input: 4, hidden: vec![3], latent: 2, ..Default::default() };
        let net = Net::new(&cfg);
        let p = vec![f32::MAX; net.len()];
        let mut grad = vec![7.0; net.len()];
        let parts = net.loss_and_grad(&p, &mut grad, &[0.5; 4], None, &[0.0; 2], 1.0, &mut Work::default());
        assert!(!parts.is_finite());
        assert!(grad.iter().all(|g| *g == 7.0));
    }

    #[test]
    fn the_probe_product_is_x_times_w_transposed() {
        // x (2, 3) = [[1, 2, 3], [4, 5, 6]], W (2, 3) = [[1, 0, -1], [2, 1, 0]]: x W^T = [[-2, 4], [-2, 13]].
        let mut y = vec![0.0; 4];
        linear_product(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1.0, 0.0, -1.0, 2.0, 1.0, 0.0], 3, 2, &mut y);
        assert_eq!(y, [-2.0, 4.0, -2.0, 13.0]);
    }
}
