namespace Parley.Hosting;

/// <summary>A problem that stops Parley from starting; its message is printed alone, without a stack trace.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
