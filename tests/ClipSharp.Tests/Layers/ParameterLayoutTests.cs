using ClipSharp.Layers;

namespace ClipSharp.Tests.Layers;

public sealed class ParameterLayoutTests
{
    [Fact]
    public void AssignsConsecutiveOffsetsWithoutAllocating()
    {
        var layout = new ParameterLayout();
        Parameter a = layout.Add("a", [2, 3]);
        Parameter b = layout.Add("b", []);
        Parameter c = layout.Add("c", [4]);
        Assert.Equal((0L, 6L, 7L, 11L), (a.Offset, b.Offset, c.Offset, layout.Count));
        Assert.Throws<InvalidOperationException>(() => a.Value);

        var duplicate = Assert.Throws<InvalidOperationException>(() => layout.Add("b", [1]));
        Assert.Contains("'b'", duplicate.Message, StringComparison.Ordinal);

        ParameterStore store = ParameterStore.Allocate(layout);
        store.Data[6] = 5f;
        Assert.Equal(5f, b.Value.Span[0]);
        Assert.Equal(5f, store["b"].Span[0]);
        Assert.Throws<KeyNotFoundException>(() => store["d"]);

        // A second, unbound store of the same layout (a gradient buffer) leaves the values where they are.
        ParameterStore shadow = ParameterStore.Allocate(layout, bind: false);
        shadow.View(b).Span[0] = -1f;
        Assert.Equal(5f, b.Value.Span[0]);
        Assert.Equal(-1f, shadow.Data[6]);
        Assert.Throws<ArgumentException>(() => shadow.View(new ParameterLayout().Add("b", [1])));
    }

    [Fact]
    public void AStoreForSomeEntriesHoldsThemAloneUnbound()
    {
        var layout = new ParameterLayout();
        Parameter a = layout.Add("a", [2, 3]);
        Parameter b = layout.Add("b", []);
        Parameter c = layout.Add("c", [4]);
        ParameterStore store = ParameterStore.Allocate(layout);

        // Packed one after another in the order given, each once, and the values stay where they are.
        ParameterStore some = ParameterStore.AllocateFor(layout, [c, a, c]);
        Assert.Equal(10, some.Data.Length);
        Assert.False(some.HoldsEveryEntry);
        some.SpanOf(a).Fill(2f);
        Assert.Equal([0f, 0f, 0f, 0f, 2f, 2f, 2f, 2f, 2f, 2f], some.Data);
        Assert.Equal(0f, store["a"].Span[0]);
        Assert.Throws<InvalidOperationException>(() => some.SpanOf(b));
        Assert.Throws<ArgumentException>(() => ParameterStore.AllocateFor(layout, [new ParameterLayout().Add("b", [1])]));
    }

    [Fact]
    public void InitialisationFollowsTheDeclarations()
    {
        var layout = new ParameterLayout();
        layout.Add("ones", [3], ParameterInit.Ones);
        layout.Add("constant", [2], ParameterInit.Constant, 2.5f);
        layout.Add("normal", [4000], ParameterInit.Normal, 0.02f);
        layout.Add("zeros", [2]);
        ParameterStore store = ParameterStore.Allocate(layout);
        store.Data.AsSpan().Fill(9f);
        store.Initialize(seed: 11);

        Assert.All(store["ones"].ToArray(), v => Assert.Equal(1f, v));
        Assert.All(store["constant"].ToArray(), v => Assert.Equal(2.5f, v));
        Assert.All(store["zeros"].ToArray(), v => Assert.Equal(0f, v));
        float[] normal = store["normal"].ToArray();
        double std = Math.Sqrt(normal.Average(v => (double)v * v));
        Assert.InRange(std, 0.018, 0.022);
        Assert.InRange(normal.Average(), -0.002, 0.002);
    }

    [Fact]
    public void BatchNormStatisticsAreBuffersNotParameters()
    {
        var h = new LayerHarness("bn");
        _ = new BatchNorm2d(h.Scope, 4);
        Assert.Equal(["bn.weight", "bn.bias"], h.Scope.Parameters.Entries.Select(p => p.Name));
        Assert.Equal(["bn.running_mean", "bn.running_var"], h.Scope.Buffers.Entries.Select(p => p.Name));
    }
}
