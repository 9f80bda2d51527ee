using System.CommandLine;
using ClipSharp.Hub;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip pull REPO</c>: download a model folder from the hub into the cache (or --dir) and print its path.</summary>
internal static class PullCommand
{
    public static Command Create(CliContext context)
    {
        var repo = new Argument<string>("REPO") { Description = "Hub repository, e.g. openai/clip-vit-base-patch32." };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit.", DefaultValueFactory = _ => "main" };
        var dir = CliOptions.Out<string?>("Folder to download into (default ~/.cache/clipsharp/hub/<repo>/<revision>).");
        var oldDir = CliOptions.Legacy<string?>("--dir");
        var json = CliOptions.Json("Print the folder and the files as JSON on stdout instead of the folder alone.");
        var endpoint = new Option<string?>("--endpoint") { Description = $"Hub base URL (default: HF_ENDPOINT, else {HubClient.DefaultEndpoint})." };
        var command = new Command("pull", "Download a model from the Hugging Face hub (resumable, hash-checked); prints the folder.")
        {
            repo, revision, dir, oldDir, endpoint, json,
        };
        command.SetAction(parsed =>
        {
            string name = parsed.GetValue(repo)!, rev = parsed.GetValue(revision)!;
            string folder = CliOptions.Value(parsed, dir, oldDir) ?? HubClient.DefaultFolder(name, rev);
            using var client = new HubClient(parsed.GetValue(endpoint));
            IReadOnlyList<string> files = context.Interactive
                ? context.Ui.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                    .Start(ctx =>
                    {
                        var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                        var progress = new Progress<HubProgress>(p =>
                        {
                            if (!tasks.TryGetValue(p.File, out ProgressTask? task))
                            {
                                tasks[p.File] = task = ctx.AddTask(Markup.Escape(p.File), maxValue: Math.Max(1, p.Total ?? p.Done));
                            }

                            task.MaxValue = Math.Max(1, p.Total ?? p.Done);
                            task.Value = p.Done;
                        });
                        return Pull(context, client, name, rev, folder, progress);
                    })
                : Pull(context, client, name, rev, folder, null);
            foreach (string file in files)
            {
                context.Error.WriteLine($"clip: {Path.GetFileName(file)} ({new FileInfo(file).Length:N0} bytes)");
            }

            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("repo", name);
                    w.WriteString("revision", rev);
                    w.WriteString("folder", Path.GetFullPath(folder));
                    w.WriteStartArray("files");
                    foreach (string file in files)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", Path.GetFileName(file));
                        w.WriteNumber("bytes", new FileInfo(file).Length);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Out.WriteLine(Path.GetFullPath(folder));
            }
            return ClipCli.ExitOk;
        });
        return command;
    }

    private static IReadOnlyList<string> Pull(CliContext context, HubClient client, string name, string revision, string folder, IProgress<HubProgress>? progress)
    {
        try
        {
            return client.PullAsync(name, revision, folder, progress, context.Cancellation).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            context.Warn($"the partial download in {folder} is kept; run the same command again to resume it.");
            throw;
        }
    }
}
