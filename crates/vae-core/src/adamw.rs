//! AdamW (Loshchilov and Hutter's decoupled weight decay), fused: one pass over each parameter per step.
//!
//! candle-nn's `AdamW` builds the update from a dozen tensor operations, each of which allocates and writes
//! a tensor the size of the parameter; for this model that was a third of a training step (profiled with
//! callgrind). This does the same f32 operations in the same order, element by element, so the weights it
//! gives are bit for bit those of candle-nn 0.11's `AdamW` (a test checks it). candle's `t * s` is the affine
//! map `t * s + 0`, hence the `+ 0.0` terms below: they only turn a -0 into +0, as candle does.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::error::Result;

pub struct AdamW {
    slots: Vec<Slot>,
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    t: i32,
}

struct Slot {
    var: Var,
    m: Vec<f32>,
    v: Vec<f32>,
}

impl AdamW {
    pub fn new(vars: Vec<Var>, lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64) -> Self {
        let slots = vars
            .into_iter()
            .map(|var| {
                let n = var.elem_count();
                Slot { var, m: vec![0.0; n], v: vec![0.0; n] }
            })
            .collect();
        Self { slots, lr, beta1, beta2, eps, weight_decay, t: 0 }
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// Back-propagates `loss` and applies one update.
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
        let grads = loss.backward()?;
        self.step(&grads)
    }

    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.t += 1;
        let f = |x: f64| x as f32;
        let (b1, ob1) = (f(self.beta1), f(1.0 - self.beta1));
        let (b2, ob2) = (f(self.beta2), f(1.0 - self.beta2));
        let scale_m = f(1.0 / (1.0 - self.beta1.powi(self.t)));
        let scale_v = f(1.0 / (1.0 - self.beta2.powi(self.t)));
        let decay = f(1.0 - self.lr * self.weight_decay);
        let (lr, eps) = (f(self.lr), f(self.eps));
        for s in &mut self.slots {
            let Some(g) = grads.get(s.var.as_tensor()) else { continue };
            let g = g.flatten_all()?.to_vec1::<f32>()?;
            let mut theta = s.var.flatten_all()?.to_vec1::<f32>()?;
            for (((th, m), v), g) in theta.iter_mut().zip(&mut s.m).zip(&mut s.v).zip(&g) {
                *m = (*m * b1 + 0.0) + (g * ob1 + 0.0); // m = beta1 m + (1 - beta1) g
                *v = (*v * b2 + 0.0) + ((g * g) * ob2 + 0.0); // v = beta2 v + (1 - beta2) g^2
                let m_hat = *m * scale_m + 0.0; // bias corrections
                let v_hat = *v * scale_v + 0.0;
                // theta = (1 - lr lambda) theta - lr m_hat / (sqrt(v_hat) + eps)
                let adjusted = m_hat / (v_hat.sqrt() * 1.0 + eps);
                *th = (*th * decay + 0.0) - (adjusted * lr + 0.0);
            }
            s.var.set(&Tensor::from_vec(theta, s.var.shape(), s.var.device())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, Var};
    use candle_nn::Optimizer;

    use super::*;

    /// Against candle-nn's own AdamW: the same weights, to the bit, over 20 steps of a small least-squares fit
    /// with weight decay, from values that include zeros and negative zeros.
    #[test]
    fn matches_candle_nn_adamw_bit_for_bit() {
        let dev = Device::Cpu;
        let init: Vec<f32> = (0..64).map(|i| if i % 9 == 0 { -0.0 } else { (i as f32 * 0.37).sin() }).collect();
        let x = Tensor::from_vec((0..64).map(|i| (i as f32 * 0.11).cos()).collect::<Vec<f32>>(), (8, 8), &dev).unwrap();
        let ours_w = Var::from_tensor(&Tensor::from_vec(init.clone(), (8, 8), &dev).unwrap()).unwrap();
        let theirs_w = Var::from_tensor(&Tensor::from_vec(init, (8, 8), &dev).unwrap()).unwrap();
        let (lr, wd) = (0.01, 0.05);
        let mut ours = AdamW::new(vec![ours_w.clone()], lr, 0.9, 0.999, 1e-8, wd);
        let params = candle_nn::ParamsAdamW { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: wd };
        let mut theirs = candle_nn::AdamW::new(vec![theirs_w.clone()], params).unwrap();
        let loss = |w: &Var| (w.as_tensor().matmul(&x).unwrap() - 0.5).unwrap().sqr().unwrap().sum_all().unwrap();
        for step in 0..20 {
            if step == 10 {
                ours.set_learning_rate(0.003);
                theirs.set_learning_rate(0.003);
            }
            ours.backward_step(&loss(&ours_w)).unwrap();
            theirs.backward_step(&loss(&theirs_w)).unwrap();
            let a = ours_w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let b = theirs_w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "step {step}");
        }
        assert_eq!(ours_w.dtype(), DType::F32);
    }
}
