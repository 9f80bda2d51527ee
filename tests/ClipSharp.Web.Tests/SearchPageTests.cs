using ClipSharp.Server;
using ClipSharp.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ClipSharp.Web.Tests;

/// <summary>The search page in a real browser, against a server over planted images (see <see cref="PlantedIndex"/>).</summary>
public sealed class SearchPageTests(PlantedIndex planted, Browser browser) : IClassFixture<PlantedIndex>, IClassFixture<Browser>
{
    private const string FirstHit = "#results li:first-child .hit";

    [Fact]
    public async Task TypedQueryRanksThePlantedImageFirst()
    {
        (string query, long expected, float margin) = planted.PlantedTextQuery();
        Assert.True(margin > 1e-4f, $"the planted query wins by only {margin}");
        IPage page = await OpenAsync();
        await page.GetByLabel("Describe what you are looking for").FillAsync(query);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#status")).ToContainTextAsync("results for");
        await Expect(page.Locator(FirstHit)).ToHaveAttributeAsync("data-id", Id(expected));
        await Expect(page.Locator("#results li")).ToHaveCountAsync(planted.Index.Count);

        // Thumbnails really load, and the grid shows scores.
        await Expect(page.Locator(FirstHit + " img")).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await page.Locator(FirstHit + " img").EvaluateAsync<int>("img => img.naturalWidth") > 0);
        await Expect(page.Locator(FirstHit + " .score")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^-?\d\.\d{3}$"));
    }

    [Fact]
    public async Task HoveringOrFocusingAResultShowsWhereTheQueryMatches()
    {
        (string query, long expected, _) = planted.PlantedTextQuery();
        IPage page = await OpenAsync();
        int locates = 0;
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/v1/locate", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref locates);
            }
        };
        await page.Locator("#q").FillAsync(query);
        await page.Locator("#q").PressAsync("Enter");
        await Expect(page.Locator("#status")).ToContainTextAsync("see where it matches");
        ILocator first = page.Locator(FirstHit);
        await Expect(first).ToHaveAttributeAsync("data-id", Id(expected));
        await Expect(first.Locator("img.where")).ToHaveCountAsync(0);

        // The overlay is the server's picture for this result and this query: one panel as wide as the image.
        await first.HoverAsync();
        ILocator overlay = first.Locator("img.where");
        await Expect(overlay).ToBeVisibleAsync();
        await Expect(overlay).ToHaveJSPropertyAsync("complete", true);
        Assert.Equal(48, await overlay.EvaluateAsync<int>("img => img.naturalWidth"));
        Assert.StartsWith("blob:", await overlay.GetAttributeAsync("src"), StringComparison.Ordinal);

        // Leaving restores the thumbnail, and coming back uses the picture already fetched.
        await page.Locator("#q").HoverAsync();
        await Expect(overlay).ToBeHiddenAsync();
        await first.HoverAsync();
        await Expect(overlay).ToBeVisibleAsync();
        Assert.Equal(1, Volatile.Read(ref locates));
        await page.Locator("#q").HoverAsync();

        // Keyboard users get it on focus.
        ILocator second = page.Locator("#results li:nth-child(2) .hit");
        await second.FocusAsync();
        await Expect(second.Locator("img.where")).ToBeVisibleAsync();
        await page.Locator("#q").FocusAsync();
        await Expect(second.Locator("img.where")).ToBeHiddenAsync();
        Assert.Equal(2, Volatile.Read(ref locates));
    }

    [Fact]
    public async Task PickedImageFindsItsCopyFirst()
    {
        IPage page = await OpenAsync();
        string copy = Path.Combine(planted.Folder, "picked.png");
        File.Copy(planted.ImagePath("photo_04.png"), copy, overwrite: true);
        await page.Locator("#file").SetInputFilesAsync(copy);
        await Expect(page.Locator(FirstHit)).ToHaveAttributeAsync("data-id", Id(planted.Ids["photo_04.png"]));
        await Expect(page.Locator(FirstHit + " .score")).ToHaveTextAsync("1.000");
        await Expect(page.Locator("#preview")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task DroppedImageFindsItsCopyFirst()
    {
        IPage page = await OpenAsync();
        string b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(planted.ImagePath("photo_09.png"), TestContext.Current.CancellationToken));
        IJSHandle transfer = await page.EvaluateHandleAsync(
            """
            (b64) => {
              const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
              return transfer;
            }
            """,
            b64);
        await page.Locator("#drop").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        await Expect(page.Locator(FirstHit)).ToHaveAttributeAsync("data-id", Id(planted.Ids["photo_09.png"]));
        await Expect(page.Locator("#status")).ToContainTextAsync("dropped.png");
    }

    [Fact]
    public async Task ClickingAResultSearchesForSimilarImages()
    {
        IPage page = await OpenAsync();
        await page.Locator("#q").FillAsync("a photo");
        await page.Locator("#q").PressAsync("Enter");
        ILocator third = page.Locator("#results li:nth-child(3) .hit");
        await Expect(third).ToBeVisibleAsync();
        string id = (await third.GetAttributeAsync("data-id"))!;
        await third.ClickAsync();
        await Expect(page.Locator("#status")).ToContainTextAsync("similar to");
        await Expect(page.Locator(FirstHit)).ToHaveAttributeAsync("data-id", id);
        await Expect(page.Locator(FirstHit + " .score")).ToHaveTextAsync("1.000");
    }

    [Fact]
    public async Task ErrorsAreShownAndThePageLoadsNothingFromElsewhere()
    {
        var foreign = new List<string>();
        IPage page = await browser.NewPageAsync();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(planted.BaseAddress.ToString(), StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                foreign.Add(r.Url);
            }
        };
        await page.GotoAsync(planted.BaseAddress.ToString());
        await Expect(page.Locator("#about")).ToContainTextAsync("indexed images");
        string text = Path.Combine(planted.Folder, "notes.png");
        await File.WriteAllTextAsync(text, "this is not a picture", TestContext.Current.CancellationToken);
        await page.Locator("#file").SetInputFilesAsync(text);
        await Expect(page.Locator("#status")).ToContainTextAsync("Search failed");
        Assert.Empty(foreign);
    }

    [Fact]
    public async Task WithAnApiKeyThePageAsksForItOnceAndStillShowsThumbnails()
    {
        const string key = "correct-horse-battery-staple-42";
        await using ClipServer keyed = ClipServer.Create(planted.Clip, planted.Index, PlantedIndex.Options with { ApiKey = key });
        await keyed.StartAsync(TestContext.Current.CancellationToken);
        IPage page = await browser.NewPageAsync();
        int prompts = 0;
        page.Dialog += async (_, dialog) =>
        {
            prompts++;
            await dialog.AcceptAsync(key);
        };
        await page.GotoAsync(keyed.Urls[0]);
        await page.Locator("#q").FillAsync("a photo");
        await page.Locator("#q").PressAsync("Enter");
        await Expect(page.Locator("#status")).ToContainTextAsync("results for");

        // The thumbnail needs the key too: it only has pixels if the page fetched it with the key.
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('#results li:first-child .hit img'); return !!i && i.naturalWidth > 0; }");
        await page.Locator("#results li:nth-child(2) .hit").ClickAsync();
        await Expect(page.Locator("#status")).ToContainTextAsync("similar to");
        Assert.Equal(1, prompts);
    }

    private async Task<IPage> OpenAsync()
    {
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(planted.BaseAddress.ToString());
        return page;
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
