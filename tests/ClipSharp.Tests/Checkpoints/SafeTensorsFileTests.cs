using ClipSharp.Checkpoints;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Checkpoints;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void ReadsGoldenModelWeights()
    {
        using var file = SafeTensorsFile.Open(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors"));
        var proj = file.ReadTensor("visual.proj");
        Assert.Equal(new[] { 128, 32 }, proj.Shape.ToArray());
        Assert.Equal("2", file.Metadata["vision_layers"]);
    }

    [Fact]
    public void F16AndF32LayoutsAgree()
    {
        using var f16 = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "openai", "weights.safetensors"));
        Assert.Equal(SafeTensorsDType.F16, f16.Info("visual.proj").DType);
        var t = f16.ReadTensor("visual.proj");
        Assert.All(t.ToArray(), v => Assert.True(float.IsFinite(v)));
    }
}
