using System.Reflection;
using System.Reflection.Emit;

namespace Quell.Tests.Architecture;

/// <summary>
/// Which types a compiled assembly's types use, read from the assembly itself: base types, interfaces, fields,
/// properties, method signatures, attributes and every type or member a method body names (IL tokens). Compiler-made
/// types (closures, state machines, lambdas) count for the type that declares them.
/// </summary>
public static class TypeDependencies
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Each type of the assembly (outermost declaring type) with the types it uses.</summary>
    public static Dictionary<Type, HashSet<Type>> Of(Assembly assembly)
    {
        var result = new Dictionary<Type, HashSet<Type>>();
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (!result.TryGetValue(owner, out var uses))
            {
                uses = [];
                result[owner] = uses;
            }

            Collect(type, uses);
        }

        return result;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static void Collect(Type type, HashSet<Type> uses)
    {
        Add(uses, type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(uses, i);
        }

        foreach (var a in type.GetCustomAttributesData())
        {
            Add(uses, a.AttributeType);
        }

        foreach (var f in type.GetFields(Everything))
        {
            Add(uses, f.FieldType);
        }

        foreach (var p in type.GetProperties(Everything))
        {
            Add(uses, p.PropertyType);
        }

        foreach (var m in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (m is MethodInfo mi)
            {
                Add(uses, mi.ReturnType);
            }

            foreach (var parameter in m.GetParameters())
            {
                Add(uses, parameter.ParameterType);
            }

            Body(m, uses);
        }
    }

    private static void Body(MethodBase method, HashSet<Type> uses)
    {
        var body = method.GetMethodBody();
        if (body is null)
        {
            return;
        }

        foreach (var local in body.LocalVariables)
        {
            Add(uses, local.LocalType);
        }

        var il = body.GetILAsByteArray() ?? [];
        var module = method.Module;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            OpCode op;
            if (il[i] == 0xFE)
            {
                op = OpCodesByValue[unchecked((short)(0xFE00 | il[i + 1]))];
                i += 2;
            }
            else
            {
                op = OpCodesByValue[il[i]];
                i += 1;
            }

            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    try
                    {
                        switch (module.ResolveMember(token, typeArgs, methodArgs))
                        {
                            case Type t:
                                Add(uses, t);
                                break;
                            case MethodBase m:
                                Add(uses, m.DeclaringType);
                                if (m is MethodInfo called)
                                {
                                    Add(uses, called.ReturnType);
                                    foreach (var g in called.IsGenericMethod ? called.GetGenericArguments() : [])
                                    {
                                        Add(uses, g);
                                    }
                                }

                                break;
                            case FieldInfo f:
                                Add(uses, f.DeclaringType);
                                Add(uses, f.FieldType);
                                break;
                        }
                    }
                    catch (ArgumentException)
                    {
                        // A token this module cannot resolve without more generic context: it names nothing of ours.
                    }

                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    private static void Add(HashSet<Type> uses, Type? type)
    {
        if (type is null)
        {
            return;
        }

        if (type.HasElementType)
        {
            Add(uses, type.GetElementType());
            return;
        }

        if (type.IsGenericParameter)
        {
            return;
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                Add(uses, argument);
            }

            type = type.GetGenericTypeDefinition();
        }

        uses.Add(Outermost(type));
    }
}
