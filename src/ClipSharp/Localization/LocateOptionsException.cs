namespace ClipSharp.Localization;

/// <summary>
/// <see cref="LocateOptions"/> that cannot be used with a model: <see cref="Option"/> names the property (as
/// <see cref="ArgumentException.ParamName"/> does), <see cref="Value"/> is what it held, and the message says what it
/// may be.
/// </summary>
public sealed class LocateOptionsException : ArgumentException
{
    public LocateOptionsException()
    {
        Option = "";
    }

    public LocateOptionsException(string message)
        : base(message)
    {
        Option = "";
    }

    public LocateOptionsException(string message, Exception inner)
        : base(message, inner)
    {
        Option = "";
    }

    public LocateOptionsException(string option, object? value, string rule)
        : base($"LocateOptions.{option} = {value}: {rule}", option)
    {
        Option = option;
        Value = value;
    }

    /// <summary>The property of <see cref="LocateOptions"/> at fault.</summary>
    public string Option { get; }

    /// <summary>The value it held.</summary>
    public object? Value { get; }
}
