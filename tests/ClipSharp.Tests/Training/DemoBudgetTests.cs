using ClipSharp.Training.Demo;

namespace ClipSharp.Tests.Training;

public sealed class DemoBudgetTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(9.5);

    [Fact]
    public void AFastMachineGetsEveryStepTheBudgetLeavesAfterItsValidations()
    {
        // 0.25 s a step, 2 s a validation, 30 s already spent: 570 - 30 - 6 - 5 = 529 s left, 2116 steps before
        // validations, 8 of them at every 250 steps take 16 s: 513 s of training.
        DemoPlan plan = DemoBudget.Fit(Budget, TimeSpan.FromSeconds(30), 0.25, 2, 250, 128, 400);
        Assert.Equal(2052, plan.Steps);
        Assert.Equal(512, plan.SamplesPerSecond, 6);
        Assert.Equal(TimeSpan.FromSeconds(570 - 30 - 4), plan.TrainLimit);
    }

    [Fact]
    public void AMachineThatFitsTooFewStepsIsToldAtTheStartWhatWouldFit()
    {
        // 2 s a step at batch 128 (64 samples/s): about 264 steps fit, the recipe needs 400.
        var e = Assert.Throws<DemoTooSlowException>(() => DemoBudget.Fit(Budget, TimeSpan.FromSeconds(20), 2.0, 3, 250, 128, 400));
        Assert.Equal(64, e.SamplesPerSecond, 6);
        Assert.InRange(e.FittingSteps, 250, 275);
        Assert.Equal(400, e.RequiredSteps);
        Assert.True(e.RequiredTime > Budget, e.RequiredTime.ToString());
        Assert.Contains("64 samples/s", e.Message, StringComparison.Ordinal);
        Assert.Contains("--steps 400", e.Message, StringComparison.Ordinal);
        Assert.Contains($"--minutes {Math.Ceiling(e.RequiredTime.TotalMinutes):F0}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABudgetSpentBeforeTrainingFitsNothing()
    {
        var e = Assert.Throws<DemoTooSlowException>(() => DemoBudget.Fit(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), 0.1, 1, 250, 128, 1));
        Assert.Equal(0, e.FittingSteps);
    }

    [Fact]
    public void ExactlyTheRequiredStepsIsEnough()
    {
        // 1 s a step, no validations during training: 100 - 0 - 0 - 5 = 95 steps.
        Assert.Equal(95, DemoBudget.Fit(TimeSpan.FromSeconds(100), TimeSpan.Zero, 1, 0, 0, 128, 95).Steps);
        Assert.Throws<DemoTooSlowException>(() => DemoBudget.Fit(TimeSpan.FromSeconds(100), TimeSpan.Zero, 1, 0, 0, 128, 96));
    }
}
