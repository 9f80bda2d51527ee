"""PyTorch peer of `ClipSharp.Bench train`: the same CLIP training step, timed the same way.

Defines CLIP (a ViT image tower and a causal text Transformer, QuickGELU, pre-LayerNorm blocks) from the
constructor arguments, then times forward + symmetric contrastive loss + backward + AdamW on random inputs.
Prints one JSON line: {"samples_per_s": ..., "seconds_per_step": ..., "threads": ..., "torch": ...}.
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, causal_length=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        mask = None
        if causal_length is not None:
            mask = torch.full((causal_length, causal_length), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):  # x: [T, B, W]
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=self.mask)[0]
        return x + self.mlp(self.ln_2(x))


class Clip(nn.Module):
    def __init__(self, embed, image, patch, v_width, v_layers, context, vocab, t_width, t_heads, t_layers):
        super().__init__()
        self.conv1 = nn.Conv2d(3, v_width, patch, patch, bias=False)
        grid = image // patch
        self.class_embedding = nn.Parameter(torch.randn(v_width) * v_width ** -0.5)
        self.v_pos = nn.Parameter(torch.randn(grid * grid + 1, v_width) * v_width ** -0.5)
        self.ln_pre = nn.LayerNorm(v_width)
        self.visual = nn.Sequential(*[Block(v_width, v_width // 64) for _ in range(v_layers)])
        self.ln_post = nn.LayerNorm(v_width)
        self.v_proj = nn.Parameter(torch.randn(v_width, embed) * v_width ** -0.5)
        self.token_embedding = nn.Embedding(vocab, t_width)
        self.t_pos = nn.Parameter(torch.randn(context, t_width) * 0.01)
        self.text = nn.Sequential(*[Block(t_width, t_heads, context) for _ in range(t_layers)])
        self.ln_final = nn.LayerNorm(t_width)
        self.t_proj = nn.Parameter(torch.randn(t_width, embed) * t_width ** -0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_image(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)  # [B, grid², W]
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = self.ln_pre(torch.cat([cls, x], dim=1) + self.v_pos)
        x = self.visual(x.transpose(0, 1)).transpose(0, 1)
        return self.ln_post(x[:, 0]) @ self.v_proj

    def encode_text(self, tokens):
        x = self.token_embedding(tokens) + self.t_pos
        x = self.text(x.transpose(0, 1)).transpose(0, 1)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)] @ self.t_proj


def contrastive_loss(model, images, tokens):
    img = F.normalize(model.encode_image(images), dim=-1)
    txt = F.normalize(model.encode_text(tokens), dim=-1)
    logits = model.logit_scale.exp() * img @ txt.t()
    labels = torch.arange(images.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def main():
    p = argparse.ArgumentParser()
    for name, default in [("embed", 256), ("image", 64), ("patch", 8), ("vision-width", 256), ("vision-layers", 6),
                          ("context", 32), ("vocab", 8192), ("text-width", 256), ("text-heads", 4), ("text-layers", 6),
                          ("batch", 64), ("reps", 7), ("threads", 2), ("seed", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--warmup-seconds", type=float, default=2.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Clip(a.embed, a.image, a.patch, a.vision_width, a.vision_layers, a.context, a.vocab,
                 a.text_width, a.text_heads, a.text_layers)
    decay = [q for n, q in model.named_parameters() if q.ndim >= 2]
    rest = [q for n, q in model.named_parameters() if q.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.2}, {"params": rest, "weight_decay": 0.0}],
                                  lr=5e-4, betas=(0.9, 0.98), eps=1e-6)
    images = torch.randn(a.batch, 3, a.image, a.image)
    tokens = torch.randint(1, a.vocab - 2, (a.batch, a.context))
    tokens[:, 0] = a.vocab - 2
    tokens[:, a.context // 2] = a.vocab - 1  # end of text: the highest id, as in CLIP's vocabulary
    tokens[:, a.context // 2 + 1:] = 0

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = contrastive_loss(model, images, tokens)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))

    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < a.warmup_seconds:
        step()
        calls += 1
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    median = sorted(times)[len(times) // 2]
    print(json.dumps({"samples_per_s": a.batch / median, "seconds_per_step": median, "threads": a.threads,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
