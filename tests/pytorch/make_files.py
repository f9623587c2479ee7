"""Writes PyTorch users' VAE weights files, as `safetensors.torch.save_file(model.state_dict(), path)` writes
them, from numpy arrays (safetensors.numpy.save_file with the metadata {"format": "pt"} that torch's writer
adds: the same bytes, without installing torch), and the outputs of a forward pass written out here in numpy,
float64, for the Rust test (crates/vae-core/tests/pytorch.rs) to compare the explorer's engine against.

Usage: python make_files.py OUT_DIR HELDOUT_IMAGES_IDX
"""

import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

out, idx = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)

# Four real held-out digits (IDX: a 16-byte header, then 28 x 28 bytes per image), scaled to [0, 1].
raw = np.frombuffer(idx.read_bytes()[16 : 16 + 4 * 784], dtype=np.uint8)
x = raw.reshape(4, 784).astype(np.float64) / 255.0


def linear(n_in, n_out):
    """torch.nn.Linear's default initialisation: U(-1/sqrt(in), 1/sqrt(in)) for the weight (out, in) and bias."""
    b = 1.0 / np.sqrt(n_in)
    return rng.uniform(-b, b, (n_out, n_in)).astype(np.float32), rng.uniform(-b, b, n_out).astype(np.float32)


def dense(h, wb):
    w, b = wb
    return h @ w.astype(np.float64).T + b.astype(np.float64)


def relu(h):
    return np.maximum(h, 0.0)


def sigmoid(h):
    return 1.0 / (1.0 + np.exp(-h))


def save(name, layers, forward, latent, metadata={"format": "pt"}):
    tensors = {}
    for key, (w, b) in layers.items():
        tensors[f"{key}.weight"] = w
        tensors[f"{key}.bias"] = b
    save_file(tensors, str(out / f"{name}.safetensors"), metadata=metadata)
    z = rng.standard_normal((3, latent))
    mu, logvar, decoded = forward(x, z)
    expect = {"x": x.ravel().tolist(), "z": z.ravel().tolist(), "mu": mu.ravel().tolist(),
              "logvar": logvar.ravel().tolist(), "decoded": decoded.ravel().tolist(), "latent": latent}
    (out / f"{name}.json").write_text(json.dumps(expect))


# 1. The lesson's nn.Sequential VAE, two hidden layers (64, 32), latent 3:
#    encoder = Sequential(Linear(784, 64), ReLU(), Linear(64, 32), ReLU(), Linear(32, 6))
#    decoder = Sequential(Linear(3, 32), ReLU(), Linear(32, 64), ReLU(), Linear(64, 784), Sigmoid())
#    mu, logvar = encoder(x).chunk(2, dim=-1)
seq = {"encoder.0": linear(784, 64), "encoder.2": linear(64, 32), "encoder.4": linear(32, 6),
       "decoder.0": linear(3, 32), "decoder.2": linear(32, 64), "decoder.4": linear(64, 784)}


def seq_forward(x, z):
    h = dense(relu(dense(relu(dense(x, seq["encoder.0"])), seq["encoder.2"])), seq["encoder.4"])
    mu, logvar = np.split(h, 2, axis=-1)
    d = relu(dense(relu(dense(z, seq["decoder.0"])), seq["decoder.2"]))
    return mu, logvar, sigmoid(dense(d, seq["decoder.4"]))


save("sequential", seq, seq_forward, 3)

# 2. pytorch/examples' vae (vae/main.py): fc1 = Linear(784, 400), fc21, fc22 = Linear(400, 20),
#    fc3 = Linear(20, 400), fc4 = Linear(400, 784); encode: h = relu(fc1(x)), mu = fc21(h), logvar = fc22(h);
#    decode: sigmoid(fc4(relu(fc3(z)))).
ex = {"fc1": linear(784, 400), "fc21": linear(400, 20), "fc22": linear(400, 20), "fc3": linear(20, 400),
      "fc4": linear(400, 784)}


def ex_forward(x, z):
    h = relu(dense(x, ex["fc1"]))
    return dense(h, ex["fc21"]), dense(h, ex["fc22"]), sigmoid(dense(relu(dense(z, ex["fc3"])), ex["fc4"]))


save("examples", ex, ex_forward, 20)

# Broken files, each refused with its own reason.
broken = {
    "missing-fc22": {k: v for k, v in ex.items() if k != "fc22"},
    "misshapen-fc3": {**ex, "fc3": linear(21, 400)},
    "odd-encoder-output": {**seq, "encoder.4": linear(32, 7)},
    "unmirrored-decoder": {**seq, "decoder.2": linear(32, 50), "decoder.4": linear(50, 784)},
    "unknown-layout": {"body.linear": linear(784, 10)},
}
for name, layers in broken.items():
    tensors = {f"{k}.{p}": v for k, wb in layers.items() for p, v in zip(("weight", "bias"), wb)}
    save_file(tensors, str(out / f"{name}.safetensors"), metadata={"format": "pt"})
# A sequential file whose decoder lost its bias.
tensors = {f"{k}.{p}": v for k, wb in seq.items() for p, v in zip(("weight", "bias"), wb)}
del tensors["decoder.4.bias"]
save_file(tensors, str(out / "missing-bias.safetensors"), metadata={"format": "pt"})
print(f"wrote {len(list(out.glob('*.safetensors')))} files to {out}")
