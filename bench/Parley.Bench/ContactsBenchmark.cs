using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Parley.Bench;

/// <summary>
/// Contacts at scale against a real Parley. <c>contacts-import</c>: a 100,000-row CSV (phone, external
/// id, name, three typed attributes, a label) through <c>POST /api/v1/contacts/import</c>, first as a dry
/// run, then applied, then applied again (idempotent: nothing changes). <c>segment</c>: 1,000,000
/// contacts with attribute values, labels and activity written straight into the database, then
/// segments evaluated through <c>GET /api/v1/segments/{id}/contacts</c> (count and first page).
/// </summary>
internal static class ContactsBenchmark
{
    private static readonly string[] GoldOrSilver = ["Gold", "Silver"];

    private static readonly string[] Cities = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund", "Essen"];

    public static async Task ImportAsync(int rows, string? postgres)
    {
        using var parley = await ParleyServer.StartAsync(postgres);
        await DefineAsync(parley);
        var csv = new StringBuilder("phone,externalId,name,city,age,tier,labels\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"+49 151 {10_000_000 + i},crm-{i},Kunde {i},{Cities[i % Cities.Length]},{18 + (i % 70)},{(i % 3) switch { 0 => "Gold", 1 => "Silver", _ => "Bronze" }},{(i % 10 == 0 ? "VIP" : "")}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        Console.WriteLine($"file              {rows:N0} rows, {bytes.Length / 1024.0 / 1024.0:N1} MB");
        foreach (var (mode, label) in new[] { ("dryRun", "dry run"), ("apply", "import"), ("apply", "re-import") })
        {
            var watch = Stopwatch.StartNew();
            using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "contacts.csv" }, { new StringContent(mode), "mode" } };
            var response = await parley.Api.PostAsync(parley.Url + "/api/v1/contacts/import", form);
            var report = await response.Content.ReadFromJsonAsync<JsonElement>();
            watch.Stop();
            Console.WriteLine($"{label,-17} {watch.Elapsed.TotalSeconds,6:N1} s  created {report.GetProperty("created").GetInt32():N0}, updated {report.GetProperty("updated").GetInt32():N0}, unchanged {report.GetProperty("unchanged").GetInt32():N0}, problems {report.GetProperty("problems").GetArrayLength():N0} (target < 30 s)");
        }
    }

    public static async Task SegmentAsync(int contacts, string? postgres)
    {
        using var parley = await ParleyServer.StartAsync(postgres);
        await DefineAsync(parley);
        var vip = (await parley.Api.GetFromJsonAsync<JsonElement>(parley.Url + "/api/v1/labels"))[0].GetProperty("id").GetGuid();
        var watch = Stopwatch.StartNew();
        await using (var db = await parley.OpenDatabaseAsync(write: true))
        {
            await FillAsync(db, contacts, vip);
        }

        Console.WriteLine($"filled            {contacts:N0} contacts, {contacts * 3:N0} attribute values, {contacts / 10:N0} labels in {watch.Elapsed.TotalSeconds:N0} s");
        var segments = new (string Name, object Filter)[]
        {
            ("city and age", new { type = "all", conditions = new object[] { Attribute("city", "eq", "Berlin"), Attribute("age", "gte", 40) } }),
            ("label or recent", new { type = "any", conditions = new object[] { new { type = "label", labelId = vip, op = "has" }, new { type = "lastInbound", op = "withinDays", days = 30 } } }),
            ("nested", new
            {
                type = "all",
                conditions = new object[]
                {
                    Attribute("tier", "in", GoldOrSilver),
                    new { type = "not", condition = Attribute("city", "eq", "Hamburg") },
                    new { type = "any", conditions = new object[] { Attribute("age", "lt", 25), new { type = "label", labelId = vip, op = "has" } } },
                },
            }),
            ("everyone", new { type = "all", conditions = Array.Empty<object>() }),
        };
        foreach (var (name, filter) in segments)
        {
            var created = await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/segments", new { name, filter });
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            var times = new List<double>();
            var total = 0;
            for (var run = 0; run < 4; run++)
            {
                var timer = Stopwatch.StartNew();
                var result = await parley.Api.GetFromJsonAsync<JsonElement>($"{parley.Url}/api/v1/segments/{id}/contacts?limit=50");
                timer.Stop();
                total = result.GetProperty("total").GetInt32();
                times.Add(timer.Elapsed.TotalSeconds);
            }

            // The first run includes the query's compilation and a cold cache; the median of the other three is reported.
            var warm = times.Skip(1).Order().ElementAt(1);
            Console.WriteLine($"segment {name,-16} {total,9:N0} contacts  first {times[0]:N2} s, median {warm:N2} s (target < 2 s)");
        }
    }

    private static object Attribute(string key, string op, object value) => new { type = "attribute", key, op, value };

    private static async Task DefineAsync(ParleyServer parley)
    {
        foreach (var attribute in new object[]
        {
            new { key = "city", type = "text" },
            new { key = "age", type = "number" },
            new { key = "tier", type = "choice", options = new[] { "Gold", "Silver", "Bronze" } },
        })
        {
            (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/attributes", attribute)).EnsureSuccessStatusCode();
        }

        (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/labels", new { name = "VIP" })).EnsureSuccessStatusCode();
    }

    /// <summary>Writes the contacts in the database itself (set-based SQL), the way they would look after imports and traffic.</summary>
    private static async Task FillAsync(DbConnection db, int contacts, Guid vip)
    {
        var seed = new SqlSeed(db);
        var sqlite = seed.Sqlite;
        var workspace = Convert.ToString(await seed.ScalarAsync("SELECT id FROM workspaces WHERE slug = 'demo'"), CultureInfo.InvariantCulture)!;
        var attributes = new Dictionary<string, string>();
        await using (var command = db.CreateCommand())
        {
            command.CommandText = "SELECT key, id FROM attribute_definitions";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                attributes[reader.GetString(0)] = Convert.ToString(reader.GetValue(1), CultureInfo.InvariantCulture)!;
            }
        }

        var series = seed.Series(contacts);
        var from = seed.From(contacts);
        var created = seed.At("0");
        var lastInbound = sqlite
            ? "CASE WHEN i % 3 = 0 THEN strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (i % 90) || ' days') END"
            : "CASE WHEN i % 3 = 0 THEN now() - make_interval(days => i % 90) END";
        var ws = seed.Literal(workspace);
        var cities = string.Join(" ", Cities.Select((c, n) => $"WHEN {n} THEN '{c}'"));
        var statements = new[]
        {
            $"{series}INSERT INTO contacts (id, workspace_id, customer_id, phone, wa_id, external_id, display_name, last_inbound_at, created_at, updated_at) " +
                $"SELECT {seed.Id("i")}, {ws}, {seed.CustomerId()}, '+49160' || (10000000 + i), '49160' || (10000000 + i), 'crm-' || i, 'Kunde ' || i, {lastInbound}, {created}, {created} {from}",
            $"{series}INSERT INTO contact_attribute_values (contact_id, attribute_id, workspace_id, text_value) SELECT {seed.Id("i")}, {seed.Literal(attributes["city"])}, {ws}, CASE i % {Cities.Length} {cities} END {from}",
            $"{series}INSERT INTO contact_attribute_values (contact_id, attribute_id, workspace_id, number_value) SELECT {seed.Id("i")}, {seed.Literal(attributes["age"])}, {ws}, 18 + (i % 70) {from}",
            $"{series}INSERT INTO contact_attribute_values (contact_id, attribute_id, workspace_id, text_value) SELECT {seed.Id("i")}, {seed.Literal(attributes["tier"])}, {ws}, CASE i % 3 WHEN 0 THEN 'Gold' WHEN 1 THEN 'Silver' ELSE 'Bronze' END {from}",
            $"{series}INSERT INTO contact_labels (contact_id, label_id, workspace_id) SELECT {seed.Id("i")}, {seed.Literal(vip.ToString())}, {ws} {from} WHERE i % 10 = 0",
            seed.Settle,
        };
        foreach (var sql in statements)
        {
            await seed.ExecuteAsync(sql);
        }
    }
}
