using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>A request the server refuses; becomes a JSON error with this status, never a 500.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public ApiException()
    {
        Status = StatusCodes.Status400BadRequest;
        Code = "bad_request";
    }

    public ApiException(string message)
        : this(StatusCodes.Status400BadRequest, "bad_request", message)
    {
    }

    public ApiException(string message, Exception inner)
        : base(message, inner)
    {
        Status = StatusCodes.Status400BadRequest;
        Code = "bad_request";
    }

    public int Status { get; }

    public string Code { get; }

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, "bad_request", message);

    public static ApiException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, "too_large", message);

    public static ApiException Unprocessable(string message) => new(StatusCodes.Status422UnprocessableEntity, "unprocessable", message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, "not_found", message);
}
