using ClipSharp.Evaluation;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Evaluation;

public sealed class RetrievalEvaluatorTests
{
    [Fact]
    public void PerfectPairsRecallEverythingAtOne()
    {
        var x = new Tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3);
        RetrievalReport r = RetrievalEvaluator.Evaluate(x, x);
        Assert.Equal(1.0, r.ImageToTextR1);
        Assert.Equal(1.0, r.TextToImageR1);
    }

    [Fact]
    public void RanksCountInEachDirection()
    {
        // Text 0 is closest to image 1: image 0 ranks its text second; text 0 ranks image 0 second.
        var images = new Tensor(new float[] { 1, 0, 0, 1 }, 2, 2);
        var texts = new Tensor(new float[] { 0.6f, 0.8f, 0, 1 }, 2, 2);
        RetrievalReport r = RetrievalEvaluator.Evaluate(images, texts);
        Assert.Equal(1.0, r.ImageToTextR1); // image 0: 0.6 vs text 1 at 0; image 1: 1.0 vs 0.8
        Assert.Equal(0.5, r.TextToImageR1); // text 0 prefers image 1 (0.8 > 0.6)
        Assert.Equal(1.0, r.TextToImageR5);
        Assert.Throws<ArgumentException>(() => RetrievalEvaluator.Evaluate(images, new Tensor(new float[] { 1, 0 }, 1, 2)));
    }
}
