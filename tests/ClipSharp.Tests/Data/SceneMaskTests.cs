using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;

namespace ClipSharp.Tests.Data;

/// <summary>The object masks of a synthetic scene against the pixels the renderer draws.</summary>
public sealed class SceneMaskTests
{
    private static readonly (byte R, byte G, byte B) s_tone = (140, 140, 140);

    [Theory]
    [InlineData(48)]
    [InlineData(64)]
    public void MasksCoverTheObjectsDrawnAndNothingElse(int size)
    {
        var background = new SynthBackground(SynthBackgroundKind.Plain, s_tone, s_tone, 4, 0, 1);
        SynthObject[] objects =
        [
            new(SynthShape.Star, 0, Large: true, Cell: 0, 0.3f, -0.2f),
            new(SynthShape.Ring, 2, Large: false, Cell: 4, -0.5f, 0.5f),
            new(SynthShape.Cross, 5, Large: true, Cell: 8, 0f, 0f),
        ];
        var scene = new SynthScene(objects, background);

        DecodedImage image = SceneRenderer.Render(scene, size);
        IReadOnlyList<bool[]> masks = SceneRenderer.RenderMasks(scene, size);

        Assert.Equal(3, masks.Count);
        ReadOnlySpan<byte> rgb = image.Pixels;
        for (int k = 0; k < masks.Count; k++)
        {
            SynthColor color = SynthVocabulary.Colors[objects[k].Color];
            int area = 0;
            for (int p = 0; p < size * size; p++)
            {
                if (!masks[k][p])
                {
                    continue;
                }

                area++;
                Assert.All(masks.Where((_, j) => j != k), other => Assert.False(other[p], $"pixel {p} is in two masks."));

                // At least half covered: the pixel is at least as close to the object's colour as to the background.
                int toObject = Distance(rgb, p, color.R, color.G, color.B);
                int toBackground = Distance(rgb, p, s_tone.R, s_tone.G, s_tone.B);
                Assert.True(toObject <= toBackground + 3, $"object {k}, pixel {p}: nearer the background ({toObject} vs {toBackground}).");
            }

            Assert.True(area > size * size / 100, $"object {k}: {area} pixels.");
        }

        // A pixel in no mask is covered less than half by every object: nearer the background than any object's colour.
        for (int p = 0; p < size * size; p++)
        {
            if (masks.Any(m => m[p]))
            {
                continue;
            }

            foreach (SynthObject o in objects)
            {
                SynthColor color = SynthVocabulary.Colors[o.Color];
                int toObject = Distance(rgb, p, color.R, color.G, color.B);
                int toBackground = Distance(rgb, p, s_tone.R, s_tone.G, s_tone.B);
                Assert.True(toBackground <= toObject + 3, $"pixel {p} is in no mask but nearer {color.Name} ({toBackground} vs {toObject}).");
            }
        }
    }

    [Fact]
    public void DistinctScenesUseDistinctCombinationsAndCells()
    {
        var combinations = new List<(int Color, SynthShape Shape)>();
        for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
        {
            combinations.AddRange(SynthVocabulary.Shapes.Select(s => (c, s)));
        }

        for (int i = 0; i < 50; i++)
        {
            SynthScene scene = SceneSampler.Distinct(new DataRandom((ulong)i), combinations, 3);
            Assert.Equal(3, scene.Objects.Count);
            Assert.Equal(3, scene.Objects.Select(o => o.Combination).Distinct().Count());
            Assert.Equal(3, scene.Objects.Select(o => o.Cell).Distinct().Count());
        }

        Assert.Throws<ArgumentOutOfRangeException>("count", () => SceneSampler.Distinct(new DataRandom(1), combinations, 10));
    }

    // Sum of absolute channel differences (0..765).
    private static int Distance(ReadOnlySpan<byte> rgb, int pixel, byte r, byte g, byte b)
        => Math.Abs(rgb[3 * pixel] - r) + Math.Abs(rgb[(3 * pixel) + 1] - g) + Math.Abs(rgb[(3 * pixel) + 2] - b);
}
