using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// The packages as a user gets them: packed into a folder, the tool installed from it, and a new app built against
/// the library package. This catches what a project reference hides: a file missing from a package, a dependency
/// that only the repository supplies, a tool that does not start.
/// </summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class PackageTests : IClassFixture<PackageTests.PackedFeed>
{
    private readonly PackedFeed _feed;

    public PackageTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public void TheToolInstallsFromThePackageAndClassifies()
    {
        string toolPath = Path.Combine(_feed.Root, "tools");
        _feed.Dotnet(_feed.Root, "tool", "install", "ClipSharp.Cli", "--tool-path", toolPath, "--add-source", _feed.Folder, "--version", _feed.Version);
        string clip = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "clip.exe" : "clip");

        string version = _feed.Run(clip, _feed.Root, "--version").Trim();
        string expected = typeof(ClipCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expected, version);

        // The README's quick look, through the installed tool, gives what the in-process command gives.
        string[] classify =
        [
            "classify", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, "--labels", "cat,dog,diagram,sunset", "--json",
            CliRunner.Image("square_224x224.png"), CliRunner.Image("photo_q90_640x480.jpg"),
        ];
        string installed = _feed.Run(clip, _feed.Root, classify);
        CliResult inProcess = CliRunner.Run(classify);
        Assert.True(inProcess.ExitCode == 0, inProcess.Stderr);
        Assert.Equal(inProcess.StdoutLines, installed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(2, inProcess.StdoutLines.Length);
    }

    [Fact]
    public void ANewAppReferencingOnlyThePackageEmbedsAText()
    {
        string app = Directory.CreateDirectory(Path.Combine(_feed.Root, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ClipSharp" Version="{_feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using ClipSharp;

            Clip clip = Clip.Load(args[0], args[1]);
            float[] embedding = clip.EncodeTexts([args[2]]).ToArray();
            Console.WriteLine(string.Join(" ", embedding.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            """);

        // The package comes from the packed folder only: its version exists nowhere else. Other dependencies come from
        // the configured feeds, through the user's package cache read-only, so nothing is downloaded twice or left behind.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="clipsharp-packed" value="{_feed.Folder}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="user-cache" value="{_feed.UserPackageCache}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        const string text = "a photo of a cat";
        string output = _feed.Dotnet(app, "run", "-c", "Release", "--", Fixtures.TinyModel, Fixtures.TinyVocab, text);
        float[] fromApp = [.. output.Trim().Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];

        float[] expected = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken).EncodeTexts([text]).ToArray();
        Assert.Equal(expected, fromApp);
    }

    /// <summary>
    /// Packs ClipSharp.Tensors, ClipSharp, ClipSharp.Extensions.VectorData, ClipSharp.Extensions.Hosting, ClipSharp.Server, ClipSharp.Distributed and the tool from the build this test runs against, under a version
    /// of their own, into a temporary folder; child processes use a temporary package cache.
    /// </summary>
    public sealed class PackedFeed : IDisposable
    {
        private static readonly string[] s_packed = ["ClipSharp.Tensors", "ClipSharp", "ClipSharp.Extensions.VectorData", "ClipSharp.Extensions.Hosting", "ClipSharp.Server", "ClipSharp.Distributed", "ClipSharp.Cli"];

        public PackedFeed()
        {
            Root = Directory.CreateTempSubdirectory("clipsharp-pack-").FullName;
            Folder = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
            Version = "0.0.0-packtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            UserPackageCache = Dotnet(Root, "nuget", "locals", "global-packages", "--list").Trim()["global-packages:".Length..].Trim();
            string configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            foreach (string project in s_packed)
            {
                // The build under test is packed as it is (--no-build): the test builds nothing of its own.
                Dotnet(Fixtures.RepoRoot, "pack", Path.Combine("src", project), "-c", configuration, "--no-build", "-o", Folder, $"-p:PackageVersion={Version}");
            }

            foreach (string project in s_packed)
            {
                Assert.True(File.Exists(Path.Combine(Folder, $"{project}.{Version}.nupkg")), $"{project} was not packed");
                Assert.True(File.Exists(Path.Combine(Folder, $"{project}.{Version}.snupkg")), $"{project} has no symbols package");
            }
        }

        public string Root { get; }

        public string Folder { get; }

        public string Version { get; }

        public string UserPackageCache { get; }

        public string Dotnet(string workingDirectory, params string[] args)
            => Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", workingDirectory, args);

        /// <summary>Runs a process to its end and returns its stdout; a non-zero exit fails with both streams.</summary>
        public string Run(string fileName, string workingDirectory, params string[] args)
        {
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["NUGET_PACKAGES"] = Path.Combine(Root, "packages");
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            // The installed tool's launcher finds the runtime this test runs on.
            start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
            // MSBuild settings of the test's own build must not leak into the user's.
            start.Environment.Remove("MSBuildExtensionsPath");
            start.Environment.Remove("MSBuildSDKsPath");
            start.Environment.Remove("MSBUILD_EXE_PATH");
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{fileName} {string.Join(' ', args)} did not finish in 5 minutes");
            }

            Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', args)} exited {process.ExitCode}\n{stdout}\n{stderr.Result}");
            return stdout;
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
