using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Sandbox;

/// <summary>
/// JSON written the way Meta writes it: non-ASCII characters as lower-case <c>\uXXXX</c> escapes and
/// <c>/</c> as <c>\/</c>. Webhooks are signed over exactly these bytes.
/// </summary>
public static class MetaJson
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(JsonNode node)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node, Relaxed);
        if (!bytes.AsSpan().ContainsAnyExceptInRange((byte)0, (byte)0x7F) && !bytes.AsSpan().Contains((byte)'/'))
        {
            return bytes; // Nothing to escape (most statuses).
        }

        var text = Encoding.UTF8.GetString(bytes);
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            // Outside strings JSON has only ASCII and no '/', so escaping every occurrence is safe.
            if (c == '/')
            {
                builder.Append("\\/");
            }
            else if (c > 0x7F)
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
