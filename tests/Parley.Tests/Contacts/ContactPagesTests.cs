using System.Net;
using System.Text;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public sealed class ContactPagesTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task ContactPages_AreNotFoundForAnotherWorkspace()
    {
        var a = await App.CreateWorkspaceAsync();
        var b = await App.CreateWorkspaceAsync();
        var contact = (await App.Api(a.AdminKey).CreateContactAsync(new { externalId = "a-1" })).GetProperty("id").GetGuid();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, b.Owner.Email, b.Owner.Password);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/w/{b.Slug}/contacts/{contact}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/w/{a.Slug}/contacts/{contact}")).StatusCode);
        foreach (var kind in new[] { "attributes", "lists", "segments" })
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/w/{b.Slug}/contacts/{kind}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/w/{a.Slug}/contacts/{kind}")).StatusCode);
        }
    }

    [Fact]
    public async Task ImportPage_ChecksAFile_ThenAppliesIt()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/contacts/import");
        using var upload = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes("Telefon,Name\n+49 171 5000001,Anna\n12,Ben\n")), "upload", "c.csv" },
            { new StringContent(token), "__RequestVerificationToken" },
        };

        var checkedPage = await (await browser.PostAsync($"/w/{workspace.Slug}/contacts/import", upload)).Content.ReadAsStringAsync();

        Assert.Contains("Not a valid phone number.", checkedPage, StringComparison.Ordinal);
        Assert.Contains("name=\"map.Telefon\"", checkedPage, StringComparison.Ordinal);
        Assert.Empty(await App.Api(workspace.AdminKey).ContactsAsync());
        var file = System.Text.RegularExpressions.Regex.Match(checkedPage, "name=\"file\" value=\"([^\"]+)\"").Groups[1].Value;
        var apply = await browser.PostAsync($"/w/{workspace.Slug}/contacts/import", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["file"] = file,
            ["map.Telefon"] = "phone",
            ["map.Name"] = "displayName",
            ["mode"] = "apply",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
        var contacts = await App.Api(workspace.AdminKey).ContactsAsync();
        Assert.Equal("Anna", Assert.Single(contacts).GetProperty("displayName").GetString());
    }
}
