using ClipSharp.Localization;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// The bound on what one POST /v1/locate may cost (<see cref="ClipServerOptions.MaxLocateEmbeddings"/>), checked
/// before the image is decoded or the model is asked: the occlusion method embeds thousands of occluded copies of
/// the image with its defaults on ViT-B/32, which a client could otherwise ask for as often as for a dense map.
/// </summary>
internal static class LocateCost
{
    public const string Code = "locate_too_costly";

    /// <exception cref="ApiException">422 <see cref="Code"/>, naming the cost, the bound and what would fit.</exception>
    public static void Check(ClipLocator locator, int prompts, ClipServerOptions options)
    {
        int bound = options.MaxLocateEmbeddings;
        int cost = locator.ImageEmbeddings(prompts);
        if (bound == 0 || cost <= bound)
        {
            return;
        }

        throw new ApiException(
            StatusCodes.Status422UnprocessableEntity,
            Code,
            $"'method' {locator.Method.Name()} costs {cost} image embeddings of the served model {locator.Clip.Name} here, over this server's bound of {bound} per request (MaxLocateEmbeddings, clip serve --max-locate-embeddings). {Remedy(locator, prompts, bound)}");
    }

    // For occlusion the finest coarser stride that fits (the occluders' default sizes follow the stride, and every
    // prompt shares the passes), among those aligned with the model's grid cells as the defaults are; the whole
    // input costs 2.
    private static string Remedy(ClipLocator locator, int prompts, int bound)
    {
        if (locator.Method != LocateMethod.Occlusion)
        {
            return "Send fewer prompts per request, or use 'method' dense, which costs 1.";
        }

        int r = locator.Clip.Model.Visual.ImageResolution, cell = r / locator.Clip.Model.Visual.DenseGrid;
        for (int stride = (r / locator.GridSize) + 1; stride <= r; stride++)
        {
            if (r % stride != 0 || (cell % stride != 0 && stride % cell != 0))
            {
                continue;
            }

            int cost = locator.With(locator.Options with { OcclusionStride = stride }).ImageEmbeddings(prompts);
            if (cost <= bound)
            {
                return $"Give a coarser 'stride' (the step between occluders in the model's {r}-pixel input, a divisor of {r}): 'stride' {stride} costs {cost}, with a map of {r / stride} × {r / stride} cells; or use 'method' dense or gradient.";
            }
        }

        return "Use 'method' dense or gradient.";
    }
}
