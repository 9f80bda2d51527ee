namespace ClipSharp.Data.Synthetic;

public sealed record SyntheticDataOptions
{
    /// <summary>Training images.</summary>
    public int Count { get; init; } = 1000;

    public long Seed { get; init; }

    /// <summary>Image side in pixels, 48 to 64.</summary>
    public int Size { get; init; } = SceneRenderer.MinSize;

    /// <summary>Validation images; null: a tenth of <see cref="Count"/>, at least one.</summary>
    public int? ValidationCount { get; init; }

    /// <summary>Images per class in each evaluation set.</summary>
    public int EvalPerClass { get; init; } = 10;

    internal void Validate()
    {
        if (Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Count), Count, "the count of training images must be at least 1.");
        }

        if (Size is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), Size, $"the image size must be {SceneRenderer.MinSize} to {SceneRenderer.MaxSize} pixels.");
        }

        if (ValidationCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationCount), ValidationCount, "the validation count must not be negative.");
        }

        if (EvalPerClass < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(EvalPerClass), EvalPerClass, "images per evaluation class must not be negative.");
        }
    }
}
