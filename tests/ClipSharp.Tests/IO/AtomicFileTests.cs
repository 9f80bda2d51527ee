using ClipSharp.IO;

namespace ClipSharp.Tests.IO;

public sealed class AtomicFileTests
{
    [Fact]
    public void WritesAndReplacesOnlyWhenAsked()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.bin");
        AtomicFile.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, new byte[] { 9 }));
        Assert.Contains("already exists", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        AtomicFile.WriteAllBytes(path, new byte[] { 9 }, overwrite: true);
        Assert.Equal([9], File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], dir.Entries());
    }

    [Fact]
    public void AFailedWriteLeavesTheDestinationAsItWas()
    {
        using var dir = new TempFolder();
        string path = dir.File("keep.bin");
        File.WriteAllBytes(path, [7, 7]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(
            path,
            s =>
            {
                s.Write([1, 2, 3, 4]);
                throw new InvalidOperationException("disk full, say");
            },
            overwrite: true));
        Assert.Equal([7, 7], File.ReadAllBytes(path));
        Assert.Equal(["keep.bin"], dir.Entries());

        string fresh = dir.File("fresh.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(fresh, _ => throw new InvalidOperationException("x")));
        Assert.False(File.Exists(fresh));
        Assert.Equal(["keep.bin"], dir.Entries());
    }

    [Fact]
    public void AFileThatAppearsDuringTheWriteIsNotReplaced()
    {
        using var dir = new TempFolder();
        string path = dir.File("race.bin");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([1]);
            File.WriteAllBytes(path, [5]);
        }));
        Assert.Contains("appeared", e.Message);
        Assert.Equal([5], File.ReadAllBytes(path));
        Assert.Equal(["race.bin"], dir.Entries());
    }

    [Fact]
    public void MissingFolderAndFolderDestinationAreErrors()
    {
        using var dir = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(Path.Combine(dir.Path, "no", "x.bin"), new byte[] { 1 }));
        Directory.CreateDirectory(dir.File("sub"));
        Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(dir.File("sub"), new byte[] { 1 }, overwrite: true));
    }
}
