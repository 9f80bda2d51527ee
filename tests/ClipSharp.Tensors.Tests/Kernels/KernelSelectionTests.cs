using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// Which width the public entry points run on: the widest one the runtime accelerates. On ARM64 that is
// Vector128 (NEON), since .NET accelerates no wider vector there.
public sealed class KernelSelectionTests
{
    // Set by the emulated ARM64 run so that it fails, rather than passes quietly, if the NEON path is not the one running.
    private const string ExpectedIsaVariable = "CLIPSHARP_EXPECT_ISA";

    [Fact]
    public void Best_IsTheWidestAcceleratedWidth()
    {
        KernelIsa expected = Vector512.IsHardwareAccelerated ? KernelIsa.Vector512
            : Vector256.IsHardwareAccelerated ? KernelIsa.Vector256
            : Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported) ? KernelIsa.Vector128
            : KernelIsa.Scalar;
        Assert.Equal(expected, KernelIsas.Best);
        Assert.True(KernelIsas.IsSupported(KernelIsas.Best));
        Assert.True(KernelIsas.IsSupported(KernelIsa.Scalar));
    }

    [Fact]
    public void Best_IsTheWidthThisRunExpects()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectedIsaVariable);
        if (string.IsNullOrEmpty(expected))
        {
            Assert.Skip($"{ExpectedIsaVariable} is not set: this run names no width it must be on.");
        }

        Assert.Equal(Enum.Parse<KernelIsa>(expected), KernelIsas.Best);
    }
}
