using System.Text.Json;

namespace Quell.Evals;

/// <summary>
/// Validates JSON against the subset of JSON Schema evals need: type, required, properties, additionalProperties: false,
/// items, enum, const, minLength/maxLength, minimum/maximum. No library is served that fits, and the subset is small.
/// </summary>
public static class JsonSchemaCheck
{
    /// <summary>Null when <paramref name="json"/> satisfies <paramref name="schema"/>, else the first violation with its path.</summary>
    public static string? Validate(string json, string schema)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return $"the answer is not JSON: {ex.Message.Split(" Path:")[0]}";
        }

        using (doc)
        using (var s = JsonDocument.Parse(schema))
        {
            return Check(doc.RootElement, s.RootElement, "$");
        }
    }

    /// <summary>Null when <paramref name="schema"/> is a JSON object, else why not.</summary>
    public static string? SchemaError(string? schema)
    {
        if (string.IsNullOrWhiteSpace(schema))
        {
            return "give the schema";
        }

        try
        {
            using var s = JsonDocument.Parse(schema);
            return s.RootElement.ValueKind == JsonValueKind.Object ? null : "the schema must be a JSON object";
        }
        catch (JsonException ex)
        {
            return $"the schema is not JSON: {ex.Message.Split(" Path:")[0]}";
        }
    }

    private static string? Check(JsonElement value, JsonElement schema, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            return $"{path}: expected {type.GetRawText()}, got {Kind(value)}";
        }

        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array
            && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            return $"{path}: {value.GetRawText()} is not one of {options.GetRawText()}";
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            return $"{path}: expected {constant.GetRawText()}";
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => CheckObject(value, schema, path),
            JsonValueKind.Array => CheckArray(value, schema, path),
            JsonValueKind.String => CheckString(value.GetString()!, schema, path),
            JsonValueKind.Number => CheckNumber(value.GetDouble(), schema, path),
            _ => null,
        };
    }

    private static string? CheckObject(JsonElement value, JsonElement schema, string path)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                if (!value.TryGetProperty(name, out _))
                {
                    return $"{path}: missing required property '{name}'";
                }
            }
        }

        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var p in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(p.Name, out var sub))
            {
                if (Check(p.Value, sub, $"{path}.{p.Name}") is { } error)
                {
                    return error;
                }
            }
            else if (closed)
            {
                return $"{path}: property '{p.Name}' is not allowed";
            }
        }

        return null;
    }

    private static string? CheckArray(JsonElement value, JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("items", out var items))
        {
            return null;
        }

        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (Check(item, items, $"{path}[{i++}]") is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? CheckString(string value, JsonElement schema, string path)
    {
        if (schema.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var mn) && value.Length < mn)
        {
            return $"{path}: shorter than {mn}";
        }

        return schema.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var mx) && value.Length > mx ? $"{path}: longer than {mx}" : null;
    }

    private static string? CheckNumber(double value, JsonElement schema, string path)
    {
        if (schema.TryGetProperty("minimum", out var min) && min.TryGetDouble(out var mn) && value < mn)
        {
            return $"{path}: below the minimum {mn}";
        }

        return schema.TryGetProperty("maximum", out var max) && max.TryGetDouble(out var mx) && value > mx ? $"{path}: above the maximum {mx}" : null;
    }

    private static bool TypeMatches(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => IsType(value, type.GetString()!),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && IsType(value, t.GetString()!)),
        _ => true,
    };

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
