//! The weights loader on arbitrary bytes: Ok or an Error, never a panic, hang or runaway allocation. A
//! model it accepts decodes to probabilities in [0, 1], or says in an Error that it cannot.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_core::Vae;

fuzz_target!(|data: &[u8]| {
    if let Ok(vae) = Vae::from_safetensors(data) {
        let z = vec![0.5f32; vae.config().latent];
        if let Ok(px) = vae.decode_slice(&z) {
            assert!(px.iter().all(|p| (0.0..=1.0).contains(p)));
        }
    }
});
