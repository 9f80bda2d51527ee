namespace ClipSharp.Distributed;

/// <summary>The process was started for distributed mode, but no MPI library could be loaded.</summary>
public sealed class MpiLibraryNotFoundException(string message, Exception? inner = null) : Exception(message, inner);
