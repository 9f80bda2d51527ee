using ClipSharp.Distributed;
using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Training;

/// <summary>
/// The training step of CLIP: forward both towers, the contrastive loss, backward into one gradient buffer of the
/// parameter layout, optional clipping, AdamW, then logit_scale clamped to [0, ln 100] (after the update, as
/// open_clip does). Parameters, gradients, optimizer moments and the schedule are exposed for checkpoints.
/// </summary>
/// <remarks>
/// Data-parallel over a communicator of N &gt; 1 ranks, each rank steps on its shard of the global batch: the loss is
/// the global batch's (<see cref="GatheredContrastiveLoss"/>), the parameter gradients are summed over the ranks (each
/// rank's share is already scaled by the global batch, so the sum is the global batch's gradient, the average of the
/// ranks' per-shard mean gradients when the shards are equal), and every rank then takes the same clipping and AdamW
/// step on the same numbers. With one rank the step is the single-process one, unchanged.
/// <para>
/// With <see cref="ContrastiveTrainerOptions.ShardOptimizer"/> (ZeRO-1) each rank keeps the AdamW moments of its
/// slice of the parameters only: the gradient sum is a reduce-scatter, the rank clips and updates its slice, and an
/// all-gather gives every rank the whole updated parameters. The update is element-wise, so it is the same step.
/// </para>
/// </remarks>
public sealed class ContrastiveTrainer
{
    /// <summary>ln 100: the reference caps the logit multiplier at 100.</summary>
    public static readonly float MaxLogitScale = MathF.Log(100f);

    private readonly Func<Parameter, bool>? _frozen;

    // What a step reuses from the last: the towers' workspaces, the loss's buffers, the features and their gradients,
    // and for gradient caching the batch norms' state between passes. Steady-state steps allocate nothing.
    private readonly Workspace _imageWorkspace = new();
    private readonly Workspace _textWorkspace = new();
    private readonly ContrastiveLoss _loss = new();
    private readonly GatheredContrastiveLoss? _gathered;
    private readonly OptimizerShards? _shards;
    private readonly BatchNorm2d[] _norms;
    private readonly long[] _tracked;
    private float[] _imageFeatures = [];
    private float[] _textFeatures = [];
    private float[] _dImage = [];
    private float[] _dText = [];
    private float[] _scratchFeatures = [];
    private float[] _buffers = [];
    private float _dLogitScale;

    /// <param name="model">The model to train in place.</param>
    /// <param name="options">Schedule, optimizer, clipping, locks and gradient caching.</param>
    /// <param name="communicator">The job this process is one rank of; null: a single process.</param>
    public ContrastiveTrainer(ClipModel model, ContrastiveTrainerOptions? options = null, ICommunicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? new ContrastiveTrainerOptions();
        Communicator = communicator ?? SingleProcessCommunicator.Instance;
        _gathered = Communicator.Size > 1 ? new GatheredContrastiveLoss(Communicator) : null;
        if (Options.ChunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.ChunkSize, "the gradient-caching chunk size must be >= 1.");
        }

        Gradients = model.CreateGradients();
        _norms = model.Visual is ModifiedResNet resnet ? [.. resnet.BatchNorms()] : [];
        _tracked = new long[_norms.Length];
        _shards = Options.ShardOptimizer && Communicator.Size > 1 ? new OptimizerShards(Communicator, model.Parameters.Layout.Count) : null;
        Optimizer = new AdamW(model.Parameters.Layout, Options.Optimizer, _shards?.Shard);
        TowerLock locked = Options.Lock;
        if (locked != TowerLock.None)
        {
            _frozen = p => (locked.HasFlag(TowerLock.Image) && ClipModel.IsImageParameter(p.Name))
                || (locked.HasFlag(TowerLock.Text) && ClipModel.IsTextParameter(p.Name));
        }
    }

    public ClipModel Model { get; }

    public ContrastiveTrainerOptions Options { get; }

    public ICommunicator Communicator { get; }

    /// <summary>
    /// The gradient buffer (same layout as <see cref="ClipModel.Parameters"/>), from the last step. With a sharded
    /// optimizer, a <see cref="Step"/> leaves the summed gradient in this rank's slice only.
    /// </summary>
    public ParameterStore Gradients { get; }

    public AdamW Optimizer { get; }

    public ILearningRateSchedule Schedule => Options.Schedule;

    /// <summary>Optimizer steps taken (the next step's 0-based index).</summary>
    public long StepCount => Optimizer.StepCount;

    /// <summary>
    /// Forward, loss, backward, clip, AdamW, clamp. images: [B, 3, R, R]; tokens: [B, ctx]: the batch, or with a
    /// communicator of more than one rank this rank's shard of it (collective: every rank steps together).
    /// </summary>
    /// <exception cref="TrainingDivergedException">The features or the loss are not finite; the parameters were left unchanged.</exception>
    public TrainingStepResult Step(Tensor images, ReadOnlySpan<int> tokens)
    {
        long step = Optimizer.StepCount;
        float loss = Accumulate(images, tokens, step, _shards is not null);
        double norm = (Options.MaxGradNorm, _shards) switch
        {
            (double max, null) => GradientClipping.ClipByGlobalNorm(Gradients.Data, max),
            (null, null) => GradientClipping.GlobalNorm(Gradients.Data),
            (double max, OptimizerShards shards) => shards.ClipByGlobalNorm(Gradients.Data, max),
            (null, OptimizerShards shards) => shards.GlobalNorm(Gradients.Data),
        };
        double lr = Schedule.At(step);
        Optimizer.Step(Model.Parameters.Data, Gradients.Data, lr, _frozen);
        _shards?.AllGather(Model.Parameters.Data);
        Span<float> scale = Model.LogitScaleParameter.Value.Span;
        scale[0] = Math.Clamp(scale[0], 0f, MaxLogitScale);
        return new TrainingStepResult(step, loss, lr, norm);
    }

    /// <summary>
    /// Zeroes <see cref="Gradients"/> and fills it with the gradient of the batch's loss; no update. The result holds
    /// copies of the logits and the feature gradients.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The features or the loss are not finite.</exception>
    public ContrastiveLossResult ComputeGradients(Tensor images, ReadOnlySpan<int> tokens)
    {
        float loss = Accumulate(images, tokens, Optimizer.StepCount, scatter: false);
        int n = images.Dim(0);
        int e = Model.Config.EmbedDim;
        Tensor logits = _gathered is null ? new Tensor(_loss.Logits.ToArray(), n, n) : new Tensor(_gathered.Logits.ToArray(), n, _gathered.GlobalBatch);
        return new ContrastiveLossResult(
            loss, logits, new Tensor(_dImage.AsSpan(0, n * e).ToArray(), n, e),
            new Tensor(_dText.AsSpan(0, n * e).ToArray(), n, e), _dLogitScale);
    }

    /// <summary>True when each rank holds the AdamW moments of its slice of the parameters only (ZeRO-1).</summary>
    public bool IsOptimizerSharded => _shards is not null;

    /// <summary>
    /// Writes the whole AdamW moment <paramref name="name"/> (exp_avg or exp_avg_sq, one float per parameter) to rank
    /// 0's <paramref name="stream"/>, gathered from the ranks' slices; the other ranks pass null. Collective when
    /// sharded; every rank calls it for exp_avg, then exp_avg_sq.
    /// </summary>
    public void WriteOptimizerMoment(string name, Stream? stream)
    {
        float[] slice = name switch
        {
            "exp_avg" => Optimizer.ExpAvg,
            "exp_avg_sq" => Optimizer.ExpAvgSq,
            _ => throw new ArgumentException($"AdamW's moments are exp_avg and exp_avg_sq, not '{name}'.", nameof(name)),
        };
        if (_shards is not null)
        {
            _shards.GatherTo(slice, stream);
        }
        else
        {
            stream?.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(slice.AsSpan()));
        }
    }

    private bool ImageLocked => (Options.Lock & TowerLock.Image) != 0;

    private bool TextLocked => (Options.Lock & TowerLock.Text) != 0;

    // Validates the batch, zeroes the gradients and fills them; returns the loss. scatter: sum the gradients over
    // the ranks into each rank's optimizer slice only.
    private float Accumulate(Tensor images, ReadOnlySpan<int> tokens, long step, bool scatter)
    {
        ArgumentNullException.ThrowIfNull(images);
        int batch = images.Rank > 0 ? images.Dim(0) : 0;
        if (_gathered is not null && batch == 0 && tokens.IsEmpty)
        {
            // A rank whose whole shard failed to load still takes part in the step's collectives.
            Array.Clear(Gradients.Data);
            float shared = SharedLoss(0, step);
            SumGradients(scatter);
            return shared;
        }

        if (tokens.Length != batch * Model.Config.ContextLength)
        {
            throw new ArgumentException(
                $"tokens must hold one row of {Model.Config.ContextLength} ids per image ({batch} images), got {tokens.Length} ids.",
                nameof(tokens));
        }

        ImageInput.Validate(images, Model.Config.ImageResolution);
        int e = Model.Config.EmbedDim;
        Grow(ref _imageFeatures, batch * e);
        Grow(ref _textFeatures, batch * e);
        Grow(ref _dImage, batch * e);
        Grow(ref _dText, batch * e);
        Array.Clear(Gradients.Data);
        int chunk = Options.ChunkSize ?? batch;
        float loss = chunk >= batch ? WholeBatch(images.Span, tokens, batch, step) : Chunked(images.Span, tokens, batch, chunk, step);
        if (_gathered is not null)
        {
            SumGradients(scatter);
        }

        return loss;
    }

    private void SumGradients(bool scatter)
    {
        if (scatter)
        {
            _shards!.ReduceScatter(Gradients.Data);
        }
        else
        {
            AllReduceGradients();
        }
    }

    // Buckets of 1 Mi floats keep each message large enough to run at link speed and small enough that the library's
    // staging buffers stay modest.
    private void AllReduceGradients()
    {
        const int Bucket = 1 << 20;
        Span<float> all = Gradients.Data;
        for (int start = 0; start < all.Length; start += Bucket)
        {
            Communicator.AllReduceSum(all.Slice(start, Math.Min(Bucket, all.Length - start)));
        }
    }

    private float WholeBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> tokens, int batch, long step)
    {
        int e = Model.Config.EmbedDim;
        Span<float> image = _imageFeatures.AsSpan(0, batch * e);
        Span<float> text = _textFeatures.AsSpan(0, batch * e);

        // A locked tower runs as at inference (eval-mode batch norm) and keeps nothing.
        Model.Visual.Forward(images, batch, image, _imageWorkspace, ImageLocked ? ForwardPass.Inference : ForwardPass.Keep);
        Model.Text.Forward(tokens, batch, text, _textWorkspace, TextLocked ? ForwardPass.Inference : ForwardPass.Keep);
        float loss = Loss(batch, step);
        if (!ImageLocked)
        {
            Model.Visual.Backward(_imageWorkspace, _dImage.AsSpan(0, batch * e), Gradients);
        }

        if (!TextLocked)
        {
            Model.Text.Backward(_textWorkspace, _dText.AsSpan(0, batch * e), Gradients);
        }

        return loss;
    }

    // Gradient caching: (1) embed every chunk keeping nothing, (2) the full-batch loss and its gradient with respect
    // to the embeddings, (3) re-run each chunk keeping its activations and backpropagate its slice of that gradient.
    // Passes (1) and (3) are the same forward, so (3) recomputes exactly the features the loss saw.
    private float Chunked(ReadOnlySpan<float> images, ReadOnlySpan<int> tokens, int batch, int chunk, long step)
    {
        int ctx = Model.Config.ContextLength;
        int e = Model.Config.EmbedDim;
        int pixels = images.Length / batch;
        ForwardPass imagePass = ImageLocked ? ForwardPass.Inference : ForwardPass.Training;
        ForwardPass textPass = TextLocked ? ForwardPass.Inference : ForwardPass.Training;
        for (int start = 0; start < batch; start += chunk)
        {
            int n = Math.Min(chunk, batch - start);
            Model.Visual.Forward(images.Slice(start * pixels, n * pixels), n, _imageFeatures.AsSpan(start * e, n * e), _imageWorkspace, imagePass);
            Model.Text.Forward(tokens.Slice(start * ctx, n * ctx), n, _textFeatures.AsSpan(start * e, n * e), _textWorkspace, textPass);
        }

        float loss = Loss(batch, step);

        // Batch-norm running statistics moved once per chunk in pass (1); pass (3) must not move them again.
        Grow(ref _buffers, Model.Buffers.Data.Length);
        Model.Buffers.Data.CopyTo(_buffers, 0);
        for (int i = 0; i < _norms.Length; i++)
        {
            _tracked[i] = _norms[i].NumBatchesTracked;
        }

        for (int start = 0; start < batch; start += chunk)
        {
            int n = Math.Min(chunk, batch - start);
            if (!ImageLocked)
            {
                Model.Visual.Forward(images.Slice(start * pixels, n * pixels), n, ChunkFeatures(n * e), _imageWorkspace, ForwardPass.Keep);
                Model.Visual.Backward(_imageWorkspace, _dImage.AsSpan(start * e, n * e), Gradients);
            }

            if (!TextLocked)
            {
                Model.Text.Forward(tokens.Slice(start * ctx, n * ctx), n, ChunkFeatures(n * e), _textWorkspace, ForwardPass.Keep);
                Model.Text.Backward(_textWorkspace, _dText.AsSpan(start * e, n * e), Gradients);
            }
        }

        _buffers.AsSpan(0, Model.Buffers.Data.Length).CopyTo(Model.Buffers.Data);
        for (int i = 0; i < _norms.Length; i++)
        {
            _norms[i].NumBatchesTracked = _tracked[i];
        }

        return loss;
    }

    // The loss of the features in hand and its gradients; a non-finite feature or loss is a divergence.
    private float Loss(int batch, long step)
    {
        if (_gathered is not null)
        {
            return SharedLoss(batch, step);
        }

        int e = Model.Config.EmbedDim;
        ReadOnlySpan<float> image = _imageFeatures.AsSpan(0, batch * e);
        ReadOnlySpan<float> text = _textFeatures.AsSpan(0, batch * e);
        if (!TensorPrimitives.IsFiniteAll(image) || !TensorPrimitives.IsFiniteAll(text))
        {
            throw new TrainingDivergedException(
                $"the model's features overflowed to NaN or infinity at step {step}, so the loss is not finite; the parameters were left unchanged.",
                step, null);
        }

        float loss = _loss.Compute(image, text, batch, e, Model.LogitScale, _dImage, _dText, out _dLogitScale);
        if (!float.IsFinite(loss))
        {
            throw new TrainingDivergedException($"the loss is {loss} at step {step}; the parameters were left unchanged.", step, null);
        }

        Gradients.SpanOf(Model.LogitScaleParameter)[0] += _dLogitScale;
        return loss;
    }

    // The global batch's loss from this rank's rows; every rank throws alike when some rank's features diverged.
    private float SharedLoss(int batch, long step)
    {
        int e = Model.Config.EmbedDim;
        float loss = _gathered!.Compute(
            _imageFeatures.AsSpan(0, batch * e), _textFeatures.AsSpan(0, batch * e), batch, e, Model.LogitScale, step,
            _dImage.AsSpan(0, batch * e), _dText.AsSpan(0, batch * e), out _dLogitScale);
        Gradients.SpanOf(Model.LogitScaleParameter)[0] += _dLogitScale;
        return loss;
    }

    private Span<float> ChunkFeatures(int length)
    {
        Grow(ref _scratchFeatures, length);
        return _scratchFeatures.AsSpan(0, length);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
