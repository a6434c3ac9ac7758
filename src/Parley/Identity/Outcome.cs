namespace Parley.Identity;

public enum ErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    Forbidden,

    /// <summary>Well-formed, but the rules of the channel forbid it now (e.g. the 24-hour window is closed).</summary>
    Refused,
}

/// <summary>Why an operation was refused; <see cref="Field"/> names the input at fault, in camelCase.</summary>
public sealed record OperationError(ErrorKind Kind, string Message, string? Field = null)
{
    public static OperationError Invalid(string field, string message) => new(ErrorKind.Invalid, message, field);

    public static readonly OperationError NotFound = new(ErrorKind.NotFound, "Not found.");
}

/// <summary>The result of a use case shared by the API, the web UI and the command line.</summary>
public readonly record struct Outcome<T>(T? Value, OperationError? Error)
{
    public bool Succeeded => Error is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(OperationError error) => new(default, error);
}
