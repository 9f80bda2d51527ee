using ClipSharp.ZeroShot;

namespace ClipSharp.Tests.ZeroShot;

public sealed class PromptTemplatesTests
{
    [Fact]
    public void DefaultSetIsVariedAndWellFormed()
    {
        Assert.True(PromptTemplates.Default.Count >= 16);
        Assert.All(PromptTemplates.Default, t => Assert.Contains(PromptTemplates.Placeholder, t, StringComparison.Ordinal));
        Assert.Equal(PromptTemplates.Default.Count, PromptTemplates.Default.Distinct().Count());
    }

    [Fact]
    public void LoadsATemplatesFileSkippingCommentsAndBlankLines()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# ImageNet-style prompts", "", "a bad photo of a {}.", "  itap of a {}.  "]);
            Assert.Equal(["a bad photo of a {}.", "itap of a {}."], PromptTemplates.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ATemplateWithoutPlaceholderIsAnErrorNamingTheLine()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["a photo of a {}.", "a photo of something"]);
            var e = Assert.Throws<InvalidDataException>(() => PromptTemplates.Load(path));
            Assert.Contains($"{path}:2", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEmptyOrMissingFileIsAnError()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# nothing\n\n");
            Assert.Throws<InvalidDataException>(() => PromptTemplates.Load(path));
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Throws<FileNotFoundException>(() => PromptTemplates.Load(path));
    }

    [Fact]
    public void ApplyReplacesThePlaceholder() => Assert.Equal("a photo of a dog.", PromptTemplates.Apply("a photo of a {}.", "dog"));
}
