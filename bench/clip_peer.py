"""The PyTorch peer of the `clip` benchmark, and the ONNX exporter for the ONNX Runtime peer.

CLIP ViT-B/32 is rebuilt here in plain torch from its published architecture (pre-norm residual attention
blocks, QuickGELU MLPs, a class token and learned positions in the image tower, a causal text tower pooled at
the end-of-text token) with the reference parameter names, so that it loads the OpenAI-named safetensors file
that the C# harness wrote: all three runtimes run identical weights.

  clip_peer.py export --weights W --image-onnx I --text-onnx T
  clip_peer.py run --weights W --inputs X --outputs O --threads N --reps R     (JSON lines on stdout)
  clip_peer.py rss --weights W --inputs X --threads N                          (peak RSS, image batch 32)
"""

import argparse
import json
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

_DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=_DTYPES[info["dtype"]], count=(end - begin) // np.dtype(_DTYPES[info["dtype"]]).itemsize, offset=base + begin)
        tensors[name] = array.reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        blobs.append(array.tobytes())
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


class ResidualAttentionBlock(nn.Module):
    # x: [B, T, W]; the state-dict names are those of the reference (attn.in_proj_weight, mlp.c_fc, ...).
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.attn = nn.Module()
        self.attn.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.attn.in_proj_bias = nn.Parameter(torch.empty(3 * width))
        self.attn.out_proj = nn.Linear(width, width)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(width, 4 * width)
        self.mlp.c_proj = nn.Linear(4 * width, width)
        self.ln_2 = nn.LayerNorm(width)

    def attention(self, x, mask):
        b, t, w = x.shape
        hd = w // self.heads
        qkv = F.linear(x, self.attn.in_proj_weight, self.attn.in_proj_bias)
        qkv = qkv.reshape(b, t, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q * (hd ** -0.5), k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        o = torch.matmul(scores.softmax(dim=-1), v)
        return self.attn.out_proj(o.transpose(1, 2).reshape(b, t, w))

    def forward(self, x, mask=None):
        x = x + self.attention(self.ln_1(x), mask)
        h = self.mlp.c_fc(self.ln_2(x))
        return x + self.mlp.c_proj(h * torch.sigmoid(1.702 * h))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.resblocks = nn.ModuleList([ResidualAttentionBlock(width, heads) for _ in range(layers)])

    def forward(self, x, mask=None):
        for block in self.resblocks:
            x = block(x, mask)
        return x


class VisionTower(nn.Module):
    # pixels: [B, 3, R, R] -> [B, E]
    def __init__(self, resolution, patch, width, layers, heads, embed_dim):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positional_embedding = nn.Parameter(torch.empty((resolution // patch) ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.empty(width, embed_dim))

    def forward(self, pixels):
        x = self.conv1(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class Clip(nn.Module):
    def __init__(self, embed_dim=512, resolution=224, vision_layers=12, vision_width=768, patch=32,
                 context=77, vocab=49408, text_width=512, text_heads=8, text_layers=12):
        super().__init__()
        self.visual = VisionTower(resolution, patch, vision_width, vision_layers, vision_width // 64, embed_dim)
        self.token_embedding = nn.Embedding(vocab, text_width)
        self.positional_embedding = nn.Parameter(torch.empty(context, text_width))
        self.transformer = Transformer(text_width, text_layers, text_heads)
        self.ln_final = nn.LayerNorm(text_width)
        self.text_projection = nn.Parameter(torch.empty(text_width, embed_dim))
        self.logit_scale = nn.Parameter(torch.empty(()))
        self.register_buffer("causal_mask", torch.full((context, context), float("-inf")).triu(1), persistent=False)

    def encode_image(self, pixels):
        return self.visual(pixels)

    # tokens: [B, ctx] int64 -> [B, E], read at each row's first largest id (the end-of-text token)
    def encode_text(self, tokens):
        x = self.token_embedding(tokens) + self.positional_embedding
        x = self.ln_final(self.transformer(x, self.causal_mask))
        eot = tokens.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection


class ImageEncoder(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, pixels):
        return self.clip.encode_image(pixels)


class TextEncoder(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, tokens):
        return self.clip.encode_text(tokens)


def load_model(path):
    weights = read_safetensors(path)
    model = Clip()
    state = {name: torch.from_numpy(np.array(value, dtype=np.float32)) for name, value in weights.items()}
    state["logit_scale"] = state["logit_scale"].reshape(())
    model.load_state_dict(state, strict=True)
    return model.eval()


def export(args):
    model = load_model(args.weights)
    with torch.inference_mode():
        torch.onnx.export(ImageEncoder(model), torch.zeros(1, 3, 224, 224), args.image_onnx, input_names=["pixels"],
                          output_names=["features"], dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}},
                          opset_version=14, do_constant_folding=True)
        tokens = torch.zeros(2, 77, dtype=torch.int64)
        tokens[:, 0] = 49406
        tokens[:, 1] = 49407
        torch.onnx.export(TextEncoder(model), tokens, args.text_onnx, input_names=["tokens"],
                          output_names=["features"], dynamic_axes={"tokens": {0: "batch"}, "features": {0: "batch"}},
                          opset_version=14, do_constant_folding=True)


def median_seconds(action, reps):
    start = time.perf_counter()
    calls = 0
    while calls < 2 or time.perf_counter() - start < 2.0:
        action()
        calls += 1
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def emit(row, value, unit):
    print(json.dumps({"runtime": "pytorch", "row": row, "value": value, "unit": unit}), flush=True)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(args):
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    model = load_model(args.weights)
    emit("load", time.perf_counter() - t0, "s")
    inputs = read_safetensors(args.inputs)
    pixels = torch.from_numpy(np.array(inputs["pixels"]))
    tokens77 = torch.from_numpy(np.array(inputs["tokens77"], dtype=np.int64))
    captions = torch.from_numpy(np.array(inputs["captions"], dtype=np.int64))
    with torch.inference_mode():
        write_safetensors(args.outputs, {
            "image": model.encode_image(pixels[:2]).numpy(),
            "text77": model.encode_text(tokens77[:4]).numpy(),
            "captions": model.encode_text(captions[:8]).numpy(),
        })
        emit("image_b1", 1 / median_seconds(lambda: model.encode_image(pixels[:1]), args.reps), "items/s")
        emit("image_b32", 32 / median_seconds(lambda: model.encode_image(pixels), args.reps), "items/s")
        emit("text_b32_77", 32 / median_seconds(lambda: model.encode_text(tokens77), args.reps), "items/s")

        def caption_mix():
            for start in range(0, captions.shape[0], 32):
                model.encode_text(captions[start:start + 32])

        # Without length awareness the mix runs at the full context, as given.
        emit("text_captions_77", captions.shape[0] / median_seconds(caption_mix, max(1, args.reps // 2)), "items/s")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    emit("cpu_seconds", usage.ru_utime + usage.ru_stime, "s")


def rss(args):
    torch.set_num_threads(args.threads)
    model = load_model(args.weights)
    pixels = torch.from_numpy(np.array(read_safetensors(args.inputs)["pixels"]))
    with torch.inference_mode():
        for _ in range(2):
            model.encode_image(pixels)
    emit("rss_image_b32", peak_rss_mib(), "MiB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["export", "run", "rss"])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    parser.add_argument("--image-onnx")
    parser.add_argument("--text-onnx")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    {"export": export, "run": run, "rss": rss}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
