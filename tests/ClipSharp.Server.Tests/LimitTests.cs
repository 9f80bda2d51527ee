using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ClipSharp.Server.Tests;

/// <summary>The rate limit and the bounded model queue: both refuse at once with 429, Retry-After and a problem body.</summary>
public sealed class LimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OverTheRateLimitIs429WithRetryAfter()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { RateLimitPermits = 3, RateLimitWindow = TimeSpan.FromMinutes(5) });
        for (int i = 0; i < 3; i++)
        {
            // Refusals count too: a client probing for keys or ids spends its permits all the same.
            await ApiAssert.Error(await app.Http.GetAsync("/v1/search?q=dog", Ct), 404, "no_index");
        }

        using HttpResponseMessage limited = await app.Http.GetAsync("/v1/search?q=dog", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        int seconds = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 300);
        await ApiAssert.Error(limited, 429, "rate_limited");

        // Health is outside the limit, so probes keep working while a client is limited.
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/healthz", Ct)).StatusCode);
    }

    [Fact]
    public async Task NoRateLimitByDefault()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        for (int i = 0; i < 20; i++)
        {
            await ApiAssert.Error(await app.Http.GetAsync("/v1/search?q=dog", Ct), 404, "no_index");
        }
    }

    [Fact]
    public async Task FullModelQueueIs429AtOnce()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ModelQueueCapacity = 1 });
        ModelGate gate = app.Services.GetRequiredService<ModelGate>();
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();

        // One call holds the model and one waits behind it: the queue of one is full.
        // The work runs on the caller's thread once the gate is free, so the holder gets a thread of its own.
        Task<int> holder = Task.Run(() => gate.RunAsync(_ => { running.Set(); release.Wait(Ct); return 1; }, Ct), Ct);
        Assert.True(running.Wait(TimeSpan.FromSeconds(30), Ct));
        Task<int> waiter = gate.RunAsync(_ => 2, Ct);
        Assert.Equal(2, gate.Pending);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using HttpResponseMessage busy = await app.Http.PostAsJsonAsync("/v1/embeddings", new { texts = new[] { "a dog" } }, Ct);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"the refusal took {started.Elapsed}");
            Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
            Assert.True(int.Parse(busy.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            await ApiAssert.Error(busy, 429, "model_busy");
            using System.Text.Json.JsonDocument health = System.Text.Json.JsonDocument.Parse(await app.Http.GetStringAsync("/healthz", Ct));
            Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        }
        finally
        {
            release.Set();
        }

        Assert.Equal(1, await holder);
        Assert.Equal(2, await waiter);
        Assert.Equal(0, gate.Pending);
        using var after = await ApiAssert.Ok(await app.Http.PostAsJsonAsync("/v1/embeddings", new { texts = new[] { "a dog" } }, Ct));
    }

    [Fact]
    public async Task QueueOfZeroAdmitsOnlyTheRunningCall()
    {
        using var gate = new ModelGate(Clip.Load(ClipSharp.Testing.Fixtures.TinyModel, ClipSharp.Testing.Fixtures.TinyVocab, Ct), 0);
        using var release = new ManualResetEventSlim();
        Task<int> holder = Task.Run(() => gate.RunAsync(_ => { release.Wait(); return 1; }, CancellationToken.None), Ct);
        while (gate.Pending == 0)
        {
            await Task.Delay(1, Ct);
        }

        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => gate.RunAsync(_ => 2, Ct));
        Assert.True(busy.RetryAfter >= TimeSpan.FromSeconds(1));
        release.Set();
        Assert.Equal(1, await holder);
        Assert.Equal(3, await gate.RunAsync(_ => 3, Ct));
    }
}
