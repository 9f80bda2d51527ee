namespace ClipSharp.Hub;

/// <summary>How far one file's download has come; <see cref="Total"/> is null while the size is unknown.</summary>
public sealed record HubProgress(string File, long Done, long? Total);
