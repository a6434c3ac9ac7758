using System.Globalization;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Parley.Tests.Channels;

/// <summary>
/// Meta's OpenAPI 3.1 description of the Cloud API (shared/reference/meta-openapi), read from YAML
/// into JSON, and a JSON Schema 2020-12 check of a response against what the description declares
/// for a path, method and status. Schemas refer to <c>#/components/schemas/…</c>; those references
/// are made absolute so they resolve in the whole document, which is registered as a base document.
/// </summary>
public sealed class SandboxOpenApiSpec
{
    private static readonly Uri DocumentUri = new("https://parley.test/meta/business-messaging-api_v23.0.json");
    private static readonly Lazy<SandboxOpenApiSpec> Shared = new(() => new SandboxOpenApiSpec(File.ReadAllText(SpecFile())));

    private readonly JsonObject document;
    private readonly EvaluationOptions options;

    public SandboxOpenApiSpec(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        document = (JsonObject)ToJson(stream.Documents[0].RootNode)!;
        AbsoluteReferences(document);
        options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
        options.SchemaRegistry.Register(new JsonNodeBaseDocument(document, DocumentUri));
    }

    public static SandboxOpenApiSpec Meta => Shared.Value;

    /// <summary>
    /// Problems of <paramref name="body"/> as the response of <paramref name="method"/> <paramref name="path"/>
    /// with <paramref name="status"/>. A status the path does not declare is a problem; an error status the
    /// path leaves undeclared is checked against Graph's error schema (<c>GraphAPIError</c>).
    /// </summary>
    public IReadOnlyList<string> CheckResponse(string path, string method, int status, JsonNode? body)
    {
        var responses = document["paths"]?[path]?[method.ToLowerInvariant()]?["responses"] as JsonObject
            ?? throw new ArgumentException($"The description has no {method} {path}.", nameof(path));
        var declared = responses[status.ToString(CultureInfo.InvariantCulture)]?["content"]?["application/json"]?["schema"];
        if (declared is null)
        {
            return status >= 400 ? CheckComponent("GraphAPIError", body) : [$"{method} {path} declares no {status} response."];
        }

        return Check(declared, body);
    }

    /// <summary>Problems of <paramref name="instance"/> against <c>#/components/schemas/{name}</c>.</summary>
    public IReadOnlyList<string> CheckComponent(string name, JsonNode? instance) =>
        Check(document["components"]?["schemas"]?[name] ?? throw new ArgumentException($"No schema {name}.", nameof(name)), instance);

    private List<string> Check(JsonNode schemaNode, JsonNode? instance)
    {
        var schema = JsonSchema.FromText(schemaNode.ToJsonString());
        var results = schema.Evaluate(instance, options);
        if (results.IsValid)
        {
            return [];
        }

        var problems = results.Details.Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} — {e.Value}"))
            .ToList();
        return problems.Count > 0 ? problems : ["invalid"];
    }

    private static void AbsoluteReferences(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target && target.StartsWith('#'))
                {
                    o["$ref"] = DocumentUri + target;
                }

                foreach (var (_, child) in o.ToList())
                {
                    AbsoluteReferences(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    AbsoluteReferences(child);
                }

                break;
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException($"YAML node {node.NodeType} is not supported."),
    };

    /// <summary>YAML 1.2 core schema: plain null, booleans and numbers are typed; everything quoted is a string.</summary>
    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real) && !text.Contains('_') => JsonValue.Create(real),
            _ => JsonValue.Create(text),
        };
    }

    private static string SpecFile()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "shared", "reference", "meta-openapi")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(
            directory?.FullName ?? throw new DirectoryNotFoundException("shared/reference/meta-openapi not found above the test directory"),
            "shared", "reference", "meta-openapi", "business-messaging-api_v23.0.yaml");
    }
}
