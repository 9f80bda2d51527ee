using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>A progress bar on stderr when a person is watching; silent when stderr is redirected.</summary>
internal static class Progress
{
    public static T Run<T>(CliContext context, string label, int total, Func<IProgress<int>?, T> work)
    {
        if (!context.Interactive || total < 2)
        {
            return work(null);
        }

        return context.Ui.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label, maxValue: total);
                return work(new Progress<int>(done => task.Value = done));
            });
    }
}
