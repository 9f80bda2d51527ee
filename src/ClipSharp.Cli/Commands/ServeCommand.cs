using System.CommandLine;
using ClipSharp.Search;
using ClipSharp.Server;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip serve</c>: the HTTP API and search page over one model and optionally an index. Loopback unless told
/// otherwise; any other address needs an API key (or an explicit --allow-anonymous).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var host = new Option<string>("--host") { Description = "Address to bind. Default 127.0.0.1; any non-loopback address needs --api-key (or --allow-anonymous).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on.", DefaultValueFactory = _ => 8080 };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest request body accepted, in MiB.", DefaultValueFactory = _ => 20 };
        var index = new Option<string?>("--index") { Description = "Index to search and whose images to serve (built with 'clip index add' by the same model)." };
        var apiKey = new Option<string?>("--api-key") { Description = "Key clients must send as 'Authorization: Bearer KEY' (at least 16 characters). Default: $CLIPSHARP_API_KEY, which keeps it out of the process list." };
        var allowAnonymous = new Option<bool>("--allow-anonymous") { Description = "Serve a non-loopback --host without an API key: anyone who can reach it can use the model and read the index." };
        var corsOrigins = new Option<string[]>("--cors-origin")
        {
            Description = "Origin (scheme://host[:port]) whose pages may call the API from a browser; repeat for more. Default: none (CORS off).",
            AllowMultipleArgumentsPerToken = true,
        };
        var rateLimit = new Option<int>("--rate-limit") { Description = "Requests per client (remote address) per --rate-limit-window-s; 0 (the default) turns the limit off.", DefaultValueFactory = _ => 0 };
        var rateWindow = new Option<int>("--rate-limit-window-s") { Description = "The window of --rate-limit, in seconds.", DefaultValueFactory = _ => 60 };
        var queue = new Option<int>("--queue") { Description = "Requests that may wait for the model; more are refused at once with 429 and Retry-After.", DefaultValueFactory = _ => 64 };
        var maxLocate = new Option<int>("--max-locate-embeddings")
        {
            Description = "Image embeddings one POST /v1/locate may cost (occlusion embeds hundreds to thousands of occluded copies); more is refused with 422 locate_too_costly. 0 turns the bound off.",
            DefaultValueFactory = _ => new ClipServerOptions().MaxLocateEmbeddings,
        };
        var engine = IndexCommand.EngineOption();
        var command = new Command("serve", "Serve embeddings, classification, tagging, localisation and index search over HTTP, with a search page at / (OpenAPI at /openapi/v1.json).")
        {
            index, engine, host, port, maxUpload, apiKey, allowAnonymous, corsOrigins, rateLimit, rateWindow, queue, maxLocate,
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

            int permits = parsed.GetValue(rateLimit), window = parsed.GetValue(rateWindow), waiting = parsed.GetValue(queue);
            if (permits < 0 || window < 1 || waiting < 0)
            {
                throw new CliException($"--rate-limit and --queue must be 0 or more and --rate-limit-window-s at least 1, got {permits}, {waiting} and {window}.");
            }

            int locateBound = parsed.GetValue(maxLocate);
            if (locateBound < 0)
            {
                throw new CliException($"--max-locate-embeddings must be 0 (off) or more, got {locateBound}.");
            }

            var options = new ClipServerOptions
            {
                Host = parsed.GetValue(host)!,
                Port = p,
                MaxUploadBytes = mb * 1024L * 1024,
                ApiKey = parsed.GetValue(apiKey),
                AllowAnonymous = parsed.GetValue(allowAnonymous),
                CorsOrigins = parsed.GetValue(corsOrigins) ?? [],
                RateLimitPermits = permits,
                RateLimitWindow = TimeSpan.FromSeconds(window),
                ModelQueueCapacity = waiting,
                MaxLocateEmbeddings = locateBound,
            };
            Clip clip = model.Load(parsed);
            string? indexPath = parsed.GetValue(index);
            using SearchIndex? searchIndex = indexPath is null ? null : IndexCommand.Open(indexPath, parsed.GetValue(engine)!);
            await using ClipServer server = Host(() => IndexCommand.Guard(() => ClipServer.Create(
                clip, searchIndex, options, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))));
            try
            {
                await server.StartAsync(cancel);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot listen on {options.Host}:{p}: {e.Message}", e);
            }

            string what = searchIndex is null ? clip.Name : $"{clip.Name} and {searchIndex.Count} entries of {searchIndex.Path}";
            string access = server.RequiresApiKey ? "API key required" : "no API key";
            context.Error.WriteLine($"clip: serving {what} on {string.Join(", ", server.Urls)}, {access} (Ctrl+C to stop)");
            await server.WaitForShutdownAsync(cancel);
            await server.StopAsync(CancellationToken.None);
            return ClipCli.ExitOk;
        });
        return command;
    }

    /// <summary>The server's refusals of its options, as one-line errors that name the flags to change.</summary>
    private static ClipServer Host(Func<ClipServer> create)
    {
        try
        {
            return create();
        }
        catch (AnonymousExposureException e)
        {
            throw new CliException($"{e.Message} Pass --api-key KEY (or set CLIPSHARP_API_KEY), or --allow-anonymous.", e);
        }
        catch (ClipServerOptionsException e)
        {
            throw new CliException(e.Message, e);
        }
    }
}
