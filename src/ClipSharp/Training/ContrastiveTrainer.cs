using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Training;

/// <summary>
/// The training step of CLIP: forward both towers, the contrastive loss, backward into one gradient buffer of the
/// parameter layout, optional clipping, AdamW, then logit_scale clamped to [0, ln 100] (after the update, as
/// open_clip does). Parameters, gradients, optimizer moments and the schedule are exposed for checkpoints.
/// </summary>
public sealed class ContrastiveTrainer
{
    /// <summary>ln 100: the reference caps the logit multiplier at 100.</summary>
    public static readonly float MaxLogitScale = MathF.Log(100f);

    private readonly Func<Parameter, bool>? _frozen;

    public ContrastiveTrainer(ClipModel model, ContrastiveTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? new ContrastiveTrainerOptions();
        if (Options.ChunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.ChunkSize, "the gradient-caching chunk size must be >= 1.");
        }

        Gradients = model.CreateGradients();
        Optimizer = new AdamW(model.Parameters.Layout, Options.Optimizer);
        TowerLock locked = Options.Lock;
        if (locked != TowerLock.None)
        {
            _frozen = p => (locked.HasFlag(TowerLock.Image) && ClipModel.IsImageParameter(p.Name))
                || (locked.HasFlag(TowerLock.Text) && ClipModel.IsTextParameter(p.Name));
        }
    }

    public ClipModel Model { get; }

    public ContrastiveTrainerOptions Options { get; }

    /// <summary>The gradient buffer (same layout as <see cref="ClipModel.Parameters"/>), from the last step.</summary>
    public ParameterStore Gradients { get; }

    public AdamW Optimizer { get; }

    public ILearningRateSchedule Schedule => Options.Schedule;

    /// <summary>Optimizer steps taken (the next step's 0-based index).</summary>
    public long StepCount => Optimizer.StepCount;

    /// <summary>Forward, loss, backward, clip, AdamW, clamp. images: [B, 3, R, R]; tokens: [B, ctx].</summary>
    public TrainingStepResult Step(Tensor images, ReadOnlySpan<int> tokens)
    {
        long step = Optimizer.StepCount;
        ContrastiveLossResult loss = ComputeGradients(images, tokens);
        if (!float.IsFinite(loss.Loss))
        {
            throw new InvalidOperationException($"the loss is {loss.Loss} at step {step}; the parameters were left unchanged.");
        }

        double norm = Options.MaxGradNorm is double max
            ? GradientClipping.ClipByGlobalNorm(Gradients.Data, max)
            : GradientClipping.GlobalNorm(Gradients.Data);
        double lr = Schedule.At(step);
        Optimizer.Step(Model.Parameters.Data, Gradients.Data, lr, _frozen);
        Span<float> scale = Model.LogitScaleParameter.Value.Span;
        scale[0] = Math.Clamp(scale[0], 0f, MaxLogitScale);
        return new TrainingStepResult(step, loss.Loss, lr, norm);
    }

    /// <summary>Zeroes <see cref="Gradients"/> and fills it with the gradient of the batch's loss; no update.</summary>
    public ContrastiveLossResult ComputeGradients(Tensor images, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(images);
        int batch = images.Rank > 0 ? images.Dim(0) : 0;
        if (tokens.Length != batch * Model.Config.ContextLength)
        {
            throw new ArgumentException(
                $"tokens must hold one row of {Model.Config.ContextLength} ids per image ({batch} images), got {tokens.Length} ids.",
                nameof(tokens));
        }

        Array.Clear(Gradients.Data);
        int chunk = Options.ChunkSize ?? batch;
        return chunk >= batch ? WholeBatch(images, tokens, batch) : Chunked(images, tokens, batch, chunk);
    }

    private bool ImageLocked => Options.Lock.HasFlag(TowerLock.Image);

    private bool TextLocked => Options.Lock.HasFlag(TowerLock.Text);

    private ContrastiveLossResult WholeBatch(Tensor images, ReadOnlySpan<int> tokens, int batch)
    {
        ImageActivations? image = ImageLocked ? null : Model.Visual.ForwardTraining(images);
        TextActivations? text = TextLocked ? null : Model.Text.ForwardTraining(tokens, batch);
        Tensor imageFeatures = image?.Features ?? Model.EncodeImage(images);
        Tensor textFeatures = text?.Features ?? Model.EncodeText(tokens, batch);
        ContrastiveLossResult loss = ContrastiveLoss.Compute(imageFeatures, textFeatures, Model.LogitScale);
        Gradients.View(Model.LogitScaleParameter).Span[0] += loss.LogitScaleGradient;
        if (image is not null)
        {
            Model.Visual.Backward(image, loss.ImageGradient.Span, Gradients);
        }

        if (text is not null)
        {
            Model.Text.Backward(text, loss.TextGradient.Span, Gradients);
        }

        return loss;
    }

    // Gradient caching: (1) embed every chunk keeping nothing, (2) the full-batch loss and its gradient with respect
    // to the embeddings, (3) re-run each chunk with activations and backpropagate its slice of that gradient.
    private ContrastiveLossResult Chunked(Tensor images, ReadOnlySpan<int> tokens, int batch, int chunk)
    {
        int ctx = Model.Config.ContextLength;
        int e = Model.Config.EmbedDim;
        var imageFeatures = new float[batch * e];
        var textFeatures = new float[batch * e];

        for (int start = 0; start < batch; start += chunk)
        {
            int n = Math.Min(chunk, batch - start);
            Tensor imageChunk = images.Slice(start, n);
            Tensor img = ImageLocked || Model.Buffers.Layout.Count == 0
                ? Model.EncodeImage(imageChunk)
                : Model.Visual.ForwardTraining(imageChunk).Features;
            img.Span.CopyTo(imageFeatures.AsSpan(start * e, n * e));
            Model.EncodeText(tokens.Slice(start * ctx, n * ctx), n).Span.CopyTo(textFeatures.AsSpan(start * e, n * e));
        }

        ContrastiveLossResult loss = ContrastiveLoss.Compute(
            new Tensor(imageFeatures, batch, e), new Tensor(textFeatures, batch, e), Model.LogitScale);
        Gradients.View(Model.LogitScaleParameter).Span[0] += loss.LogitScaleGradient;

        // Batch-norm running statistics moved once per chunk in pass (1); pass (3) must not move them again.
        float[] afterFirstPass = Model.Buffers.Data.ToArray();
        BatchNorm2d[] norms = Model.Visual is ModifiedResNet resnet ? [.. resnet.BatchNorms()] : [];
        long[] tracked = [.. norms.Select(bn => bn.NumBatchesTracked)];
        for (int start = 0; start < batch; start += chunk)
        {
            int n = Math.Min(chunk, batch - start);
            if (!ImageLocked)
            {
                Tensor imageChunk = images.Slice(start, n);
                ImageActivations image = Model.Visual.ForwardTraining(imageChunk);
                Model.Visual.Backward(image, loss.ImageGradient.Span.Slice(start * e, n * e), Gradients);
            }

            if (!TextLocked)
            {
                TextActivations text = Model.Text.ForwardTraining(tokens.Slice(start * ctx, n * ctx), n);
                Model.Text.Backward(text, loss.TextGradient.Span.Slice(start * e, n * e), Gradients);
            }
        }

        afterFirstPass.CopyTo(Model.Buffers.Data, 0);
        for (int i = 0; i < norms.Length; i++)
        {
            norms[i].NumBatchesTracked = tracked[i];
        }

        return loss;
    }
}
