using System.Diagnostics;
using ClipSharp.Search;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// Kills the real <c>clip index add</c> process with SIGKILL at random moments (fixed seed) and checks after each
/// kill that the index opens and answers, then that a final run completes it with no duplicates and no losses.
/// </summary>
public sealed class IndexCrashTests
{
    private const int ImageCount = 400;
    private const int Kills = 6;

    [Fact]
    public void SigkillAtAnyMomentLeavesAUsableIndexThatAReRunCompletes()
    {
        string clipDll = Path.Combine(AppContext.BaseDirectory, "clip.dll");
        Assert.True(File.Exists(clipDll), $"{clipDll} is built next to the tests (project reference).");
        string folder = Directory.CreateTempSubdirectory("clipsharp-crash-").FullName;
        try
        {
            string photos = Path.Combine(folder, "photos");
            string index = Path.Combine(folder, "idx");
            List<string> images = IndexTestImages.WriteFolder(photos, ImageCount);
            var known = images.ToHashSet(StringComparer.Ordinal);
            var random = new Random(20240611);
            int usableAfterKill = 0;
            for (int kill = 0; kill < Kills; kill++)
            {
                using Process process = StartAdd(clipDll, index, photos);
                bool exited = process.WaitForExit(TimeSpan.FromMilliseconds(150 + random.Next(1400)));
                if (!exited)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the killed process did not go away.");
                }

                // Killed before the catalog's first commit there is no index yet; otherwise it must open and answer.
                SearchIndex opened;
                try
                {
                    opened = SearchIndex.Open(index);
                }
                catch (SearchIndexException e) when (e.Message.Contains("no index here", StringComparison.Ordinal) || e.Message.Contains("is empty", StringComparison.Ordinal))
                {
                    continue;
                }

                using (opened)
                {
                    CheckConsistent(opened, known);
                    usableAfterKill++;
                }
            }

            using (Process last = StartAdd(clipDll, index, photos))
            {
                Assert.True(last.WaitForExit(TimeSpan.FromSeconds(180)), "the completing run did not finish in time.");
                Assert.True(last.ExitCode == 0, last.StandardError.ReadToEnd());
            }

            using SearchIndex complete = SearchIndex.Open(index);
            Assert.Equal(ImageCount, complete.Count);
            CheckConsistent(complete, known);
            Assert.Equal(known.Order(StringComparer.Ordinal), complete.Entries.Select(e => e.Source).Order(StringComparer.Ordinal));

            // The stored embeddings are the files' own: nothing was torn or shifted by the kills.
            Clip clip = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
            var sample = complete.Entries.Where((_, i) => i % 40 == 0).ToList();
            IReadOnlyList<EmbeddingResult> fresh = clip.EncodeImageFiles([.. sample.Select(e => e.Source)], cancellation: TestContext.Current.CancellationToken);
            for (int i = 0; i < sample.Count; i++)
            {
                float[] stored = complete.Embedding(sample[i].Id).ToArray();
                for (int j = 0; j < stored.Length; j++)
                {
                    Assert.Equal(fresh[i].Embedding![j], stored[j], 1e-5f);
                }
            }

            Assert.True(usableAfterKill >= 1, "no kill landed after the first commit; the delays are too short for this machine.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void CheckConsistent(SearchIndex index, HashSet<string> known)
    {
        Assert.True(index.Count <= known.Count);
        Assert.Equal(index.Count, index.Entries.Select(e => e.Source).Distinct(StringComparer.Ordinal).Count());
        Assert.All(index.Entries, e => Assert.Contains(e.Source, known));
        if (index.Count > 0)
        {
            IndexEntry probe = index.Entries[index.Count / 2];
            SearchHit best = index.Search(index.Embedding(probe.Id), 1)[0];
            Assert.Equal(1f, best.Score, 1e-4f);
        }
    }

    private static Process StartAdd(string clipDll, string index, string photos)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[clipDll, "index", "add", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab,
            "--index", index, "--batch", "8", "--hnsw-threshold", "100", photos])
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the clip CLI.");
    }
}
