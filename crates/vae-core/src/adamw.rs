//! AdamW (Loshchilov and Hutter's decoupled weight decay), fused: one pass over the model's flat parameter
//! buffer per step.
//!
//! candle-nn's `AdamW` builds the update from a dozen tensor operations, each of which allocates and writes
//! a tensor the size of the parameter; for this model that was a third of a training step (profiled with
//! callgrind). This does the same f32 operations in the same order, element by element, so the weights it
//! gives are bit for bit those of candle-nn 0.11's `AdamW` (a test checks it). candle's `t * s` is the affine
//! map `t * s + 0`, hence the `+ 0.0` terms below: they only turn a -0 into +0, as candle does.

use wide::f32x4;

use crate::lanes::{padded, quad};

/// AdamW's state for one flat buffer of parameters: the two moment estimates and the step count.
pub struct AdamW {
    m: Vec<f32>,
    v: Vec<f32>,
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    t: i32,
}

impl AdamW {
    /// For `len` parameters, with moments starting at zero.
    pub fn new(len: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64) -> Self {
        Self { m: vec![0.0; len], v: vec![0.0; len], lr, beta1, beta2, eps, weight_decay, t: 0 }
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The moment estimates and the step count: what a replica needs, beside the parameters and the
    /// settings, to make the same updates.
    pub fn state(&self) -> (&[f32], &[f32], i32) {
        (&self.m, &self.v, self.t)
    }

    /// Replaces the moment estimates and the step count by a replica's (`state` of an optimizer of the same length).
    pub fn set_state(&mut self, m: &[f32], v: &[f32], t: i32) -> Result<(), String> {
        if m.len() != self.m.len() || v.len() != self.v.len() || t < 0 {
            return Err(format!(
                "optimizer state of {} and {} moments at step {t}, for {} parameters",
                m.len(),
                v.len(),
                self.m.len()
            ));
        }
        self.m.copy_from_slice(m);
        self.v.copy_from_slice(v);
        self.t = t;
        Ok(())
    }

    /// One update of `theta` from its gradient `g`.
    pub fn step(&mut self, theta: &mut [f32], g: &[f32]) {
        assert!(theta.len() == self.m.len() && g.len() == self.m.len(), "AdamW: buffer lengths differ");
        self.t += 1;
        let f = |x: f64| x as f32;
        let (b1, ob1) = (f(self.beta1), f(1.0 - self.beta1));
        let (b2, ob2) = (f(self.beta2), f(1.0 - self.beta2));
        let scale_m = f(1.0 / (1.0 - self.beta1.powi(self.t)));
        let scale_v = f(1.0 / (1.0 - self.beta2.powi(self.t)));
        let decay = f(1.0 - self.lr * self.weight_decay);
        let (lr, eps) = (f(self.lr), f(self.eps));
        let [b1, ob1, b2, ob2, scale_m, scale_v, decay, lr, eps] =
            [b1, ob1, b2, ob2, scale_m, scale_v, decay, lr, eps].map(f32x4::splat);
        let zero = f32x4::ZERO;
        // Four parameters at a time; IEEE arithmetic is exact per lane, so this is the scalar update, bit for bit.
        let update = |t4: f32x4, m4: f32x4, v4: f32x4, g4: f32x4| {
            let m4 = (m4 * b1 + zero) + (g4 * ob1 + zero); // m = beta1 m + (1 - beta1) g
            let v4 = (v4 * b2 + zero) + ((g4 * g4) * ob2 + zero); // v = beta2 v + (1 - beta2) g^2
            let m_hat = m4 * scale_m + zero; // bias corrections
            let v_hat = v4 * scale_v + zero;
            // theta = (1 - lr lambda) theta - lr m_hat / (sqrt(v_hat) + eps)
            let adjusted = m_hat / (v_hat.sqrt() + eps);
            ((t4 * decay + zero) - (adjusted * lr + zero), m4, v4)
        };
        let full = theta.len() / 4 * 4;
        let quads = theta[..full]
            .chunks_exact_mut(4)
            .zip(self.m[..full].chunks_exact_mut(4))
            .zip(self.v[..full].chunks_exact_mut(4))
            .zip(g[..full].chunks_exact(4));
        for (((th, m), v), g) in quads {
            let (t4, m4, v4) = update(quad(th), quad(m), quad(v), quad(g));
            th.copy_from_slice(&t4.to_array());
            m.copy_from_slice(&m4.to_array());
            v.copy_from_slice(&v4.to_array());
        }
        // The last one to three, padded with zeros.
        let rest = theta.len() - full;
        if rest > 0 {
            let (t4, m4, v4) =
                update(padded(&theta[full..]), padded(&self.m[full..]), padded(&self.v[full..]), padded(&g[full..]));
            theta[full..].copy_from_slice(&t4.to_array()[..rest]);
            self.m[full..].copy_from_slice(&m4.to_array()[..rest]);
            self.v[full..].copy_from_slice(&v4.to_array()[..rest]);
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, Tensor, Var};
    use candle_nn::Optimizer;

    use super::*;

    /// Against candle-nn's own AdamW: the same weights, to the bit, over 20 steps of a small least-squares fit
    /// with weight decay, from values that include zeros and negative zeros; 63 of them, so that the last
    /// group of four is partial.
    #[test]
    fn matches_candle_nn_adamw_bit_for_bit() {
        let dev = Device::Cpu;
        let init: Vec<f32> = (0..63).map(|i| if i % 9 == 0 { -0.0 } else { (i as f32 * 0.37).sin() }).collect();
        let x = Tensor::from_vec((0..72).map(|i| (i as f32 * 0.11).cos()).collect::<Vec<f32>>(), (9, 8), &dev).unwrap();
        let ours_w = Var::from_tensor(&Tensor::from_vec(init.clone(), (7, 9), &dev).unwrap()).unwrap();
        let theirs_w = Var::from_tensor(&Tensor::from_vec(init, (7, 9), &dev).unwrap()).unwrap();
        let (lr, wd) = (0.01, 0.05);
        let mut ours = AdamW::new(63, lr, 0.9, 0.999, 1e-8, wd);
        let params = candle_nn::ParamsAdamW { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: wd };
        let mut theirs = candle_nn::AdamW::new(vec![theirs_w.clone()], params).unwrap();
        let loss = |w: &Var| (w.as_tensor().matmul(&x).unwrap() - 0.5).unwrap().sqr().unwrap().sum_all().unwrap();
        for step in 0..20 {
            if step == 10 {
                ours.set_learning_rate(0.003);
                theirs.set_learning_rate(0.003);
            }
            // Ours on the flat buffer, with the gradient candle's autograd computes.
            let grads = loss(&ours_w).backward().unwrap();
            let g = grads.get(ours_w.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let mut theta = ours_w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            ours.step(&mut theta, &g);
            ours_w.set(&Tensor::from_vec(theta, (7, 9), &dev).unwrap()).unwrap();
            theirs.backward_step(&loss(&theirs_w)).unwrap();
            let a = ours_w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let b = theirs_w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "step {step}");
        }
        assert_eq!(ours_w.dtype(), DType::F32);
    }
}
