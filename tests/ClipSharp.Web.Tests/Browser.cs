using Microsoft.Playwright;

namespace ClipSharp.Web.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright's bundled driver; nothing is downloaded. Without the browser the tests
/// skip with the reason, unless <see cref="RequiredVariable"/> is set (CI installs the browser and sets it), in
/// which case they fail.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";
    public const string RequiredVariable = "CLIPSHARP_REQUIRE_BROWSER";

    private static readonly string[] s_arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowserContext? _context;
    private string? _profile;

    public IBrowserContext Context => _context ?? throw new InvalidOperationException(MissingReason);

    public bool Available => _context is not null;

    public static string MissingReason => $"{ExecutablePath} is not installed (apt-get install chromium); set {RequiredVariable}=1 to make this a failure.";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            if (Environment.GetEnvironmentVariable(RequiredVariable) is { Length: > 0 })
            {
                throw new InvalidOperationException($"{ExecutablePath} is required ({RequiredVariable} is set) but is not installed.");
            }

            return;
        }

        _playwright = await Playwright.CreateAsync();
        _profile = Directory.CreateTempSubdirectory("clipsharp-chromium-").FullName;
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = s_arguments,
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh page, or a skip with the reason when the browser is absent (and not required).</summary>
    public async Task<IPage> NewPageAsync()
    {
        if (!Available)
        {
            Assert.Skip(MissingReason);
        }

        IPage page = await Context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        _playwright?.Dispose();
        if (_profile is not null)
        {
            Directory.Delete(_profile, recursive: true);
        }
    }
}
