using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;

namespace ClipSharp.Tests.Layers;

/// <summary>
/// Runs single layers the way the towers do, through workspace layouts over a managed arena, so a test can call a
/// layer's one forward pass (kept or not) and its backward pass without a tower around it.
/// </summary>
internal sealed unsafe class LayerRuns
{
    private readonly float[] _arena;

    private LayerRuns(long floats) => _arena = new float[floats];

    public static (float[] Hidden, float[] Activated) Mlp(Mlp layer, float[] x, float[] y, int rows, bool keep)
    {
        var hidden = new float[rows * layer.Hidden];
        float[] activated = keep ? new float[hidden.Length] : hidden;
        layer.Forward(x, hidden, activated, y, rows);
        return (hidden, activated);
    }

    public static (float[] Qkv, float[] Probabilities, float[] Attended) Attention(
        MultiHeadAttention layer, float[] x, float[] y, int batch, int tokens, bool keep)
    {
        var qkv = new float[batch * tokens * 3 * layer.Width];
        float[] probabilities = keep ? new float[batch * layer.Heads * tokens * tokens] : [];
        var attended = new float[batch * tokens * layer.Width];
        layer.Forward(x, qkv, probabilities, attended, y, batch, tokens);
        return (qkv, probabilities, attended);
    }

    public static (float[] Seq, float[] Q, float[] K, float[] V, float[] Probabilities, float[] Attended) Pool(
        AttentionPool2d pool, float[] x, float[] y, int batch, bool keep)
    {
        int c = pool.EmbedDim;
        var seq = new float[batch * pool.Tokens * c];
        var q = new float[batch * c];
        var k = new float[seq.Length];
        var v = new float[seq.Length];
        float[] probabilities = keep ? new float[batch * pool.Heads * pool.Tokens] : [];
        var attended = new float[batch * c];
        pool.Forward(x, y, batch, seq, q, k, v, probabilities, attended);
        return (seq, q, k, v, probabilities, attended);
    }

    /// <summary>A block's forward (x → y) and, kept, its backward (dx: the output's gradient in, the input's out).</summary>
    public sealed class Block
    {
        private readonly ResidualAttentionBlock _block;
        private readonly int _batch;
        private readonly int _tokens;
        private readonly LayerRuns _runs;
        private readonly BlockLayout _layout;
        private readonly BlockGradientLayout _gradients;

        public Block(ResidualAttentionBlock block, int batch, int tokens, bool keep)
        {
            _block = block;
            _batch = batch;
            _tokens = tokens;
            var layout = new WorkspaceLayout();
            _layout = new BlockLayout(ref layout, batch, tokens, block.Width, block.Attn.Heads, block.Mlp.Hidden, keep);
            _gradients = new BlockGradientLayout(ref layout, (long)batch * tokens, block.Width, block.Mlp.Hidden);
            _runs = new LayerRuns(layout.Count);
        }

        public void Forward(float[] x, float[] y)
        {
            fixed (float* arena = _runs._arena)
            {
                _block.Forward(x, y, new WorkspaceArena(arena, _runs._arena.Length), _layout, _batch, _tokens);
            }
        }

        public void Backward(float[] x, float[] dx, ParameterStore grads)
        {
            fixed (float* arena = _runs._arena)
            {
                _block.Backward(x, new WorkspaceArena(arena, _runs._arena.Length), _layout, _gradients, dx, _batch, _tokens, grads);
            }
        }
    }

    /// <summary>A bottleneck's forward (train mode, kept) and backward over [B, C, H, W] maps.</summary>
    public sealed class Bottleneck
    {
        private readonly ClipSharp.Layers.Bottleneck _block;
        private readonly int _batch;
        private readonly int _size;
        private readonly LayerRuns _runs;
        private readonly BottleneckLayout _layout;
        private readonly BottleneckGradientLayout _gradients;
        private readonly WorkspaceSlice _outputGradient;
        private readonly double[] _statistics;

        public Bottleneck(ClipSharp.Layers.Bottleneck block, int batch, int size, bool keep)
        {
            _block = block;
            _batch = batch;
            _size = size;
            int o = block.OutputSize(size);
            var layout = new WorkspaceLayout();
            var statistics = new WorkspaceLayout();
            WorkspaceSlice input = layout.Add((long)batch * block.Inplanes * size * size);
            WorkspaceSlice output = layout.Add((long)batch * block.OutChannels * o * o);
            _layout = new BottleneckLayout(ref layout, ref statistics, block, batch, size, input, output, keep);
            long hw = (long)batch * Math.Max(block.Planes, block.Inplanes);
            _gradients = new BottleneckGradientLayout(ref layout, output.Length, hw * o * o, hw * size * size);
            _outputGradient = layout.Add(output.Length);
            _runs = new LayerRuns(layout.Count);
            _statistics = new double[statistics.Count];
        }

        public void Forward(float[] x, float[] y, ForwardPass pass)
        {
            fixed (float* arena = _runs._arena)
            {
                var ws = new WorkspaceArena(arena, _runs._arena.Length);
                x.CopyTo(ws[_layout.Input]);
                _block.Forward(ws, _statistics, _layout, _batch, _size, _size, pass);
                ws[_layout.Output].CopyTo(y);
            }
        }

        public void Backward(float[] dy, float[] dx, ParameterStore grads)
        {
            fixed (float* arena = _runs._arena)
            {
                var ws = new WorkspaceArena(arena, _runs._arena.Length);
                Span<float> d = ws[_outputGradient];
                dy.CopyTo(d);
                _block.Backward(ws, _statistics, _layout, _gradients, d, dx, _batch, _size, _size, grads);
            }
        }
    }
}
