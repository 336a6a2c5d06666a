"""Golden values for Keras's GRU with reset_after=True, computed by an independent implementation: PyTorch's nn.GRU,
which implements exactly that variant (n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).

Keras/TensorFlow cannot be installed on the build machines (no PyPI); Debian's python3-torch can:

    apt-get install -y python3-torch
    /usr/bin/python3 packages/models/src/layers/__fixtures__/gru-reset-after-golden.py   # Debian's python, where the package installs

The weights are given in Keras's layout (what tensorflowjs_converter writes for keras.layers.GRU(3, reset_after=True)):
kernel [2, 9], recurrent_kernel [3, 9], bias [2, 9] (row 0 input bias, row 1 recurrent bias), gate blocks z, r, h.
They are mapped to torch's layout (gate blocks r, z, n; matrices transposed: weight_ih [9, 2], weight_hh [9, 3];
bias_ih = bias[0], bias_hh = bias[1], each reordered). Every value is rounded to float32 first (what the tfjs model
holds) and the GRU then runs in float64, so the printed outputs are the exact answer for those float32 weights.

With a path argument it also writes the weights file of keras-gru-reset-after/ (group1-shard1of1.bin) there.

Prints JSON: the torch version, the weights and inputs, and the outputs of every step (return_sequences=True) for
the inputs as given and time-reversed (Keras's go_backwards=True: outputs in processing order).
"""
import json
import sys

import torch

UNITS, FEATURES, BATCH, TIME = 3, 2, 2, 4


def values(n, seed):
    """Deterministic small decimals (exact in the JSON, then rounded to float32)."""
    return [((k * 7919 + seed * 104729) % 23 - 11) / 20 for k in range(n)]


def f32(xs, shape):
    return torch.tensor(xs, dtype=torch.float32).reshape(shape).to(torch.float64)


kernel = f32(values(FEATURES * 3 * UNITS, 1), (FEATURES, 3 * UNITS))
recurrent = f32(values(UNITS * 3 * UNITS, 2), (UNITS, 3 * UNITS))
bias = f32(values(2 * 3 * UNITS, 3), (2, 3 * UNITS))
x = f32(values(BATCH * TIME * FEATURES, 4), (BATCH, TIME, FEATURES))


def keras_to_torch(m):
    """[.., 3u] blocks z, r, h (Keras) -> r, z, n (torch), along the last axis."""
    z, r, h = m[..., :UNITS], m[..., UNITS:2 * UNITS], m[..., 2 * UNITS:]
    return torch.cat([r, z, h], dim=-1)


gru = torch.nn.GRU(FEATURES, UNITS, batch_first=True, dtype=torch.float64)
with torch.no_grad():
    gru.weight_ih_l0.copy_(keras_to_torch(kernel).T)
    gru.weight_hh_l0.copy_(keras_to_torch(recurrent).T)
    gru.bias_ih_l0.copy_(keras_to_torch(bias[0]))
    gru.bias_hh_l0.copy_(keras_to_torch(bias[1]))
    forward, _ = gru(x)
    backward, _ = gru(torch.flip(x, dims=[1]))

if len(sys.argv) > 1:
    # the weights file of keras-gru-reset-after/model.json: kernel, recurrent_kernel, bias as float32 little-endian
    import struct
    flat = kernel.flatten().tolist() + recurrent.flatten().tolist() + bias.flatten().tolist()
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack(f"<{len(flat)}f", *flat))

print(json.dumps({
    "torch": torch.__version__,
    "kernel": kernel.flatten().tolist(),
    "recurrentKernel": recurrent.flatten().tolist(),
    "bias": bias.flatten().tolist(),
    "x": x.flatten().tolist(),
    "sequences": [round(v, 9) for v in forward.flatten().tolist()],
    "sequencesGoBackwards": [round(v, 9) for v in backward.flatten().tolist()],
}, indent=None))
