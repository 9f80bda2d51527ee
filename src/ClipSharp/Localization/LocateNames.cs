namespace ClipSharp.Localization;

/// <summary>Names of the values of a localization option's enum, listed in the enum's order.</summary>
internal static class LocateNames
{
    /// <exception cref="LocateOptionsException">No value has that name, naming the option and every name.</exception>
    public static T Parse<T>(IReadOnlyList<string> names, string option, string name, string what)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return (T)Enum.ToObject(typeof(T), i);
            }
        }

        throw new LocateOptionsException(option, name, $"unknown {what}; one of {string.Join(", ", names)}.");
    }

    /// <exception cref="ArgumentOutOfRangeException">A value the enum does not define.</exception>
    public static string Name<T>(IReadOnlyList<string> names, T value)
        where T : struct, Enum
    {
        int i = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        return i >= 0 && i < names.Count ? names[i] : throw new ArgumentOutOfRangeException(nameof(value), value, $"unknown {typeof(T).Name}.");
    }
}
