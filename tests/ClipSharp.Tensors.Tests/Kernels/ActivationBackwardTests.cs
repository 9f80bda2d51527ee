using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class ActivationBackwardTests
{
    [Theory]
    [InlineData("QuickGelu")]
    [InlineData("Gelu")]
    [InlineData("Relu")]
    public void MatchesFiniteDifferences(string kind)
    {
        float[] x = [-4f, -2.5f, -1f, -0.3f, 0.2f, 0.7f, 1.4f, 3f, 5f];
        float[] r = [.. x.Select((_, i) => 1f - (0.2f * i))];
        var y = new float[x.Length];
        double Loss()
        {
            switch (kind)
            {
                case "QuickGelu":
                    QuickGelu.Forward(x, y);
                    break;
                case "Gelu":
                    Gelu.Forward(x, y);
                    break;
                default:
                    Relu.Forward(x, y);
                    break;
            }

            return FiniteDifference.Dot(r, y);
        }

        Loss();
        var dx = new float[x.Length];
        switch (kind)
        {
            case "QuickGelu":
                QuickGeluBackward.Backward(x, r, dx);
                break;
            case "Gelu":
                GeluBackward.Backward(x, r, dx);
                break;
            default:
                ReluBackward.Backward(y, r, dx);
                break;
        }

        FiniteDifference.Check(kind, x, dx, Loss, step: 1e-3f);
    }
}
