using ClipSharp.Training;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// Training progress on stderr: a live bar (step, loss, learning rate, samples/s, ETA) when a person is watching,
/// otherwise one line every few seconds.
/// </summary>
internal static class TrainProgress
{
    public static T Run<T>(CliContext context, string label, Func<IProgress<TrainingProgress>, T> work)
    {
        if (!context.Interactive)
        {
            var last = DateTime.MinValue;
            return work(new SynchronousProgress(p =>
            {
                if (p.Step == p.TotalSteps || DateTime.UtcNow - last > TimeSpan.FromSeconds(10))
                {
                    last = DateTime.UtcNow;
                    context.Error.WriteLine($"clip: {Describe(p)}");
                }
            }));
        }

        return context.Ui.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label, maxValue: 1);
                return work(new SynchronousProgress(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = Markup.Escape($"{label} {Describe(p)}");
                }));
            });
    }

    public static string Describe(TrainingProgress p) =>
        FormattableString.Invariant(
            $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} lr {p.LearningRate:0.###e0} {p.SamplesPerSecond:F0} samples/s ETA {Eta(p.Remaining)}");

    private static string Eta(TimeSpan? t) => t is TimeSpan s ? $"{(int)s.TotalMinutes}:{s.Seconds:D2}" : "-";

    // Progress<T> posts to the thread pool; the bar must follow the steps in order, on the training thread.
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
