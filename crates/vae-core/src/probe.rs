//! Speed probes shared by `vae bench` and the wasm bench: the matrix product that bounds training speed,
//! computed exactly as a `Linear` layer's forward does it (x @ W^T with W stored as (out, in)).

use candle_core::{Device, Tensor};

use crate::error::Result;

pub struct MatmulProbe {
    x: Tensor,
    w: Tensor,
    flops: u64,
}

impl MatmulProbe {
    /// x (m, k) times W^T, with W (n, k): 100 x 784 by 784 x 512 is the encoder's first layer at batch 100.
    pub fn new(m: usize, k: usize, n: usize) -> Result<Self> {
        let fill = |len: usize, salt: usize| -> Vec<f32> {
            (0..len).map(|i| ((i * 2_654_435_761 + salt) % 1000) as f32 / 1000.0 - 0.5).collect()
        };
        let x = Tensor::from_vec(fill(m * k, 1), (m, k), &Device::Cpu)?;
        let w = Tensor::from_vec(fill(n * k, 7), (n, k), &Device::Cpu)?;
        Ok(Self { x, w, flops: 2 * (m * k * n) as u64 })
    }

    /// One product; returns its first element so that the work cannot be optimised away.
    pub fn run(&self) -> Result<f32> {
        let y = self.x.matmul(&self.w.t()?)?;
        Ok(y.narrow(0, 0, 1)?.narrow(1, 0, 1)?.flatten_all()?.to_vec1::<f32>()?[0])
    }

    pub fn flops(&self) -> u64 {
        self.flops
    }
}
