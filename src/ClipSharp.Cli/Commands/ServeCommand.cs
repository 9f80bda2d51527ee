using System.CommandLine;
using ClipSharp.Search;
using ClipSharp.Server;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip serve</c>: the HTTP API and search page over one model and optionally an index, on loopback unless told otherwise.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var host = new Option<string>("--host") { Description = "Address to bind. Default 127.0.0.1: the API has no authentication.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on.", DefaultValueFactory = _ => 8080 };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest request body accepted, in MiB.", DefaultValueFactory = _ => 20 };
        var index = new Option<string?>("--index") { Description = "Index to search and whose images to serve (built with 'clip index add' by the same model)." };
        var engine = IndexCommand.EngineOption();
        var command = new Command("serve", "Serve embeddings, classification, tagging and index search over HTTP, with a search page at / (OpenAPI at /openapi/v1.json).")
        {
            index, engine, host, port, maxUpload,
        };
        model.AddTo(command);
        command.SetAction(async (parsed, cancel) =>
        {
            int p = parsed.GetValue(port);
            if (p is < 0 or > 65535)
            {
                throw new CliException($"--port must be from 0 to 65535, got {p}.");
            }

            int mb = parsed.GetValue(maxUpload);
            if (mb < 1)
            {
                throw new CliException($"--max-upload-mb must be at least 1, got {mb}.");
            }

            Clip clip = model.Load(parsed);
            var options = new ClipServerOptions { Host = parsed.GetValue(host)!, Port = p, MaxUploadBytes = mb * 1024L * 1024 };
            string? indexPath = parsed.GetValue(index);
            using SearchIndex? searchIndex = indexPath is null ? null : IndexCommand.Open(indexPath, parsed.GetValue(engine)!);
            await using ClipServer server = IndexCommand.Guard(() => ClipServer.Create(
                clip, searchIndex, options, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)));
            try
            {
                await server.StartAsync(cancel);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot listen on {options.Host}:{p}: {e.Message}", e);
            }

            string what = searchIndex is null ? clip.Name : $"{clip.Name} and {searchIndex.Count} entries of {searchIndex.Path}";
            context.Error.WriteLine($"clip: serving {what} on {string.Join(", ", server.Urls)} (Ctrl+C to stop)");
            await server.WaitForShutdownAsync(cancel);
            await server.StopAsync(CancellationToken.None);
            return ClipCli.ExitOk;
        });
        return command;
    }
}
