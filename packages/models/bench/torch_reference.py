#!/usr/bin/env python3
"""PyTorch reference for `pnpm bench:rnn`: the chapter's two models, same architecture and initialisation as the
tfjs benchmark (bench-models.ts), timed per training step (Adam) or per inference batch.

  sentiment: Embedding 87,009x20, bidirectional LSTM 64 (last output of each direction, concatenated),
             Dense 64 relu, Dense 1 sigmoid; batch 32; binary cross-entropy
  char:      Embedding 80x256, LSTM 512 (sequences), Dense 80; batch 64; softmax cross-entropy

--cell gru or simple-rnn puts nn.GRU or nn.RNN (tanh) in place of the LSTM. nn.GRU applies the reset gate after
the recurrent product: Keras's GRU with reset_after=True (the tfjs rows' "gru, resetAfter").

Initialisation as Keras: glorot-uniform input kernels, orthogonal recurrent kernels, zero biases (the LSTM's
forget-gate bias 1), embeddings uniform(-0.05, 0.05). torch.set_num_threads(2).

Prints one JSON line: {"ms": median ms per step, "steps": n, "blas": "<which BLAS / kernels torch used>"}.
"""
import argparse
import ctypes
import json
import os
import time

import torch
from torch import nn


def blas_description() -> str:
    """Which BLAS library torch's process loaded, and OpenBLAS's kernel core if it is OpenBLAS."""
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in path or "mkl" in path or "lapack" in path:
                    libs.add(path)
    except OSError:
        pass
    core = None
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            fn = lib.openblas_get_corename
            fn.restype = ctypes.c_char_p
            core = fn().decode()
            config = lib.openblas_get_config
            config.restype = ctypes.c_char_p
            core = f"{core} ({config().decode()})"
            break
        except (OSError, AttributeError):
            continue
    blas = ", ".join(sorted(libs)) or "no BLAS library mapped"
    kind = f"OpenBLAS core {core}" if core else "reference/other BLAS (no openblas_get_corename)"
    env = os.environ.get("OPENBLAS_CORETYPE")
    return f"torch {torch.__version__}, {torch.get_num_threads()} threads, {kind}; {blas}" + (
        f"; OPENBLAS_CORETYPE={env}" if env else ""
    )


RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "simple-rnn": nn.RNN}


def keras_init(rnn: nn.Module) -> None:
    lstm = isinstance(rnn, nn.LSTM)
    for name, p in rnn.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(p)
        elif name.startswith("weight_hh"):
            # Keras draws one orthogonal [units, G*units] matrix; torch stores its transpose [G*units, units]
            w = torch.empty(p.shape[1], p.shape[0])
            nn.init.orthogonal_(w)
            with torch.no_grad():
                p.copy_(w.t())
        elif name.startswith("bias_ih"):
            with torch.no_grad():
                p.zero_()
                if lstm:
                    h = p.shape[0] // 4
                    p[h : 2 * h] = 1.0  # torch gate order i, f, g, o: forget gate bias 1
        elif name.startswith("bias_hh"):
            with torch.no_grad():
                p.zero_()


class Sentiment(nn.Module):
    def __init__(self, cell: str):
        super().__init__()
        self.embed = nn.Embedding(87009, 20)
        self.lstm = RECURRENT[cell](20, 64, batch_first=True, bidirectional=True)
        self.dense = nn.Linear(128, 64)
        self.out = nn.Linear(64, 1)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        keras_init(self.lstm)
        for layer in (self.dense, self.out):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        _, h = self.lstm(self.embed(x))
        if isinstance(h, tuple):
            h = h[0]  # the LSTM's (h, c)
        z = torch.cat([h[0], h[1]], dim=1)  # last output of the forward and of the backward direction
        return torch.sigmoid(self.out(torch.relu(self.dense(z))))


class CharModel(nn.Module):
    def __init__(self, cell: str):
        super().__init__()
        self.embed = nn.Embedding(80, 256)
        self.lstm = RECURRENT[cell](256, 512, batch_first=True)
        self.out = nn.Linear(512, 80)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        keras_init(self.lstm)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        y, _ = self.lstm(self.embed(x))
        return self.out(y)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["sentiment", "char"], required=True)
    parser.add_argument("--T", type=int, required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--budget", type=float, default=40.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up steps (at least one)")
    parser.add_argument("--mode", choices=["train", "predict"], default="train")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cell", choices=sorted(RECURRENT), default="lstm")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "sentiment":
        model, batch, vocab = Sentiment(args.cell), 32, 87009
        y = (torch.rand(batch, 1) > 0.5).float()
        loss_fn = lambda out: nn.functional.binary_cross_entropy(out, y)  # noqa: E731
    else:
        model, batch, vocab = CharModel(args.cell), 64, 80
        y = torch.randint(0, 80, (batch, args.T))
        loss_fn = lambda out: nn.functional.cross_entropy(out.reshape(-1, 80), y.reshape(-1))  # noqa: E731
    x = torch.randint(1, vocab, (batch, args.T))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        if args.mode == "train":
            optimizer.zero_grad()
            loss = loss_fn(model(x))
            loss.backward()
            optimizer.step()
            loss.item()
        else:
            with torch.no_grad():
                model(x).sum().item()

    # warm-up: at least one step, then more until args.warmup seconds have passed (at most 25 steps), as the
    # JavaScript rows do (their JIT and WebAssembly tier-up take several steps)
    started = time.perf_counter()
    step()
    warm = 1
    while time.perf_counter() - started < args.warmup and warm < 25:
        step()
        warm += 1
    started = time.perf_counter()
    times = []
    while len(times) < args.steps:
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > args.budget:
            break
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 == 1 else (times[n // 2 - 1] + times[n // 2]) / 2
    print(json.dumps({"ms": median, "steps": n, "blas": blas_description()}))


if __name__ == "__main__":
    main()
