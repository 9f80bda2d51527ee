using System.CommandLine;
using ClipSharp.Server;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip serve</c>: the HTTP API over one model, on loopback unless told otherwise.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var host = new Option<string>("--host") { Description = "Address to bind. Default 127.0.0.1: the API has no authentication.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on.", DefaultValueFactory = _ => 8080 };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest request body accepted, in MiB.", DefaultValueFactory = _ => 20 };
        var command = new Command("serve", "Serve embeddings and zero-shot classification over HTTP (OpenAPI at /openapi/v1.json).") { host, port, maxUpload };
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
            await using ClipServer server = ClipServer.Create(clip, options, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
            try
            {
                await server.StartAsync(cancel);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot listen on {options.Host}:{p}: {e.Message}", e);
            }

            context.Error.WriteLine($"clip: serving {clip.Name} on {string.Join(", ", server.Urls)} (Ctrl+C to stop)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancel);
            }
            catch (OperationCanceledException)
            {
            }

            await server.StopAsync(CancellationToken.None);
            return ClipCli.ExitOk;
        });
        return command;
    }
}
