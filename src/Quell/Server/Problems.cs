using Microsoft.AspNetCore.Mvc;

namespace Quell.Server;

/// <summary>RFC 9457 problem details with Quell's optional list of per-record errors.</summary>
public static class Problems
{
    public static IResult Create(int status, string title, string detail, IReadOnlyList<IngestError>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://quell.dev/problems/{title.ToLowerInvariant().Replace(' ', '-')}" };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors.Select(e => new Dictionary<string, object?> { ["index"] = e.Index, ["id"] = e.Id, ["field"] = e.Field, ["message"] = e.Message }).ToList();
        }

        return Results.Problem(problem);
    }
}
