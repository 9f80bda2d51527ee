using ClipSharp.Models;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Search;

/// <summary>The tiny fixture model, loaded once per test process; and a second model of the same shape with other weights.</summary>
internal static class TinyClip
{
    private static readonly Lazy<Clip> s_clip = new(() => Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab));

    public static Clip Instance => s_clip.Value;

    public static Clip Other()
    {
        Clip clip = Instance;
        return new Clip(ClipModel.Create(clip.Model.Config, seed: 99), clip.Tokenizer, clip.ImageTransform, "other-tiny");
    }
}
