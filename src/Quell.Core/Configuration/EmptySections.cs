using System.Collections;
using System.Reflection;
using System.Text;

namespace Quell.Configuration;

/// <summary>
/// Finds keys written with no value (<c>detection:</c> followed by nothing): YAML reads them as null, which the
/// records do not allow. Each is reported by its YAML path instead of failing later with a null reference.
/// </summary>
public static class EmptySections
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static IReadOnlyList<string> Find(QuellConfig config)
    {
        var errors = new List<string>();
        Walk(config, string.Empty, errors, depth: 0);
        return errors;
    }

    private static void Walk(object node, string path, List<string> errors, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        foreach (var property in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead || property.PropertyType.IsValueType || property.PropertyType == typeof(string))
            {
                continue;
            }

            var key = path.Length == 0 ? Snake(property.Name) : $"{path}.{Snake(property.Name)}";
            var value = property.GetValue(node);
            if (value is null)
            {
                if (Nullability.Create(property).ReadState == NullabilityState.NotNull)
                {
                    errors.Add($"{key} has no value; give its settings or remove the key");
                }

                continue;
            }

            if (value is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (entry.Value is null)
                    {
                        errors.Add($"{key}.{entry.Key} has no value; give its settings or remove the key");
                    }
                    else if (IsSection(entry.Value.GetType()))
                    {
                        Walk(entry.Value, $"{key}.{entry.Key}", errors, depth + 1);
                    }
                }
            }
            else if (value is IEnumerable list)
            {
                var i = 0;
                foreach (var item in list)
                {
                    if (item is null)
                    {
                        errors.Add($"{key}[{i}] has no value; give its settings or remove the entry");
                    }
                    else if (IsSection(item.GetType()))
                    {
                        Walk(item, $"{key}[{i}]", errors, depth + 1);
                    }

                    i++;
                }
            }
            else if (IsSection(value.GetType()))
            {
                Walk(value, key, errors, depth + 1);
            }
        }
    }

    private static bool IsSection(Type type) => !type.IsValueType && type != typeof(string) && type.Namespace?.StartsWith("Quell", StringComparison.Ordinal) == true;

    private static string Snake(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
