using Microsoft.Extensions.VectorData;

namespace ClipSharp.VectorData;

/// <summary>The ordering a filtered get asks for (<see cref="FilteredRecordRetrievalOptions{TRecord}.OrderBy"/>), applied in memory.</summary>
internal static class ClipRecordOrder
{
    public static IEnumerable<ClipIndexRecord> Apply(
        List<ClipIndexRecord> records,
        Func<FilteredRecordRetrievalOptions<ClipIndexRecord>.OrderByDefinition, FilteredRecordRetrievalOptions<ClipIndexRecord>.OrderByDefinition>? orderBy)
    {
        if (orderBy is null)
        {
            return records;
        }

        IOrderedEnumerable<ClipIndexRecord>? ordered = null;
        foreach (var sort in orderBy(new FilteredRecordRetrievalOptions<ClipIndexRecord>.OrderByDefinition()).Values)
        {
            Func<ClipIndexRecord, object?> key = sort.PropertySelector.Compile();
            ordered = (ordered, sort.Ascending) switch
            {
                (null, true) => records.OrderBy(key, Comparer<object?>.Default),
                (null, false) => records.OrderByDescending(key, Comparer<object?>.Default),
                (_, true) => ordered.ThenBy(key, Comparer<object?>.Default),
                (_, false) => ordered.ThenByDescending(key, Comparer<object?>.Default),
            };
        }

        return ordered ?? (IEnumerable<ClipIndexRecord>)records;
    }
}
