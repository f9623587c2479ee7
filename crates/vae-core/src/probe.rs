//! Speed probes shared by `vae bench` and the wasm bench: the matrix product that bounds training speed,
//! computed by the very function the hand-written training step uses for a layer's forward product
//! (x W^T with W stored as (out, in); see [`crate::backprop::linear_product`]).

use crate::backprop::linear_product;
use crate::error::Result;

pub struct MatmulProbe {
    x: Vec<f32>,
    w: Vec<f32>,
    y: Vec<f32>,
    k: usize,
    n: usize,
    flops: u64,
}

impl MatmulProbe {
    /// x (m, k) times W^T, with W (n, k): 100 x 784 by 784 x 512 is the encoder's first layer at batch 100.
    pub fn new(m: usize, k: usize, n: usize) -> Result<Self> {
        let fill = |len: usize, salt: usize| -> Vec<f32> {
            (0..len).map(|i| ((i * 2_654_435_761 + salt) % 1000) as f32 / 1000.0 - 0.5).collect()
        };
        Ok(Self { x: fill(m * k, 1), w: fill(n * k, 7), y: vec![0.0; m * n], k, n, flops: 2 * (m * k * n) as u64 })
    }

    /// One product; returns its first element so that the work cannot be optimised away.
    pub fn run(&mut self) -> Result<f32> {
        linear_product(&self.x, &self.w, self.k, self.n, &mut self.y);
        Ok(self.y[0])
    }

    pub fn flops(&self) -> u64 {
        self.flops
    }
}
