using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;

namespace Parley.Web;

/// <summary>Turns a refused operation into RFC 9457 problem details.</summary>
public static class ApiProblems
{
    public static IResult From(OperationError error) => error.Kind switch
    {
        ErrorKind.Invalid => TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [error.Field ?? "request"] = [error.Message] },
            title: "The request is not valid."),
        ErrorKind.NotFound => TypedResults.NotFound(),
        ErrorKind.Conflict => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        ErrorKind.Forbidden => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        ErrorKind.Refused => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not possible now"),
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    public static ProblemHttpResult BadQuery(string parameter, string message) =>
        TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: $"The query parameter '{parameter}' is not valid.");
}
