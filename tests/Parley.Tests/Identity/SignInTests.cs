using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Data;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Identity;

public sealed class SignInTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task SignIn_WithRightPassword_OpensTheWorkspace()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();

        var response = await ParleyApp.SignInAsync(browser, workspace.Owner.Email.ToUpperInvariant(), workspace.Owner.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var start = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Equal($"/w/{workspace.Slug}/inbox", start.Headers.Location?.OriginalString);
        var overview = await browser.GetStringAsync($"/w/{workspace.Slug}");
        Assert.Contains($"Workspace {workspace.Slug}", overview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnlySecureAndLax()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var response = await ParleyApp.SignInAsync(App.Browser(), workspace.Owner.Email, workspace.Owner.Password);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("parley.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_IsRefusedAndAudited()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await ParleyApp.SignInAsync(App.Browser(), workspace.Owner.Email, "not-the-password");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("wrong", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("user.sign_in_failed", await ActionsOfAsync(workspace.Owner.Id));
    }

    [Fact]
    public async Task SignIn_WithUnknownEmail_LooksLikeAWrongPassword()
    {
        var response = await ParleyApp.SignInAsync(App.Browser(), "nobody@example.test", "whatever-password");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("The e-mail address or the password is wrong.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_AfterFiveFailures_IsLockedOutEvenWithTheRightPassword_UntilTheLockoutEnds()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        for (var i = 0; i < 5; i++)
        {
            await ParleyApp.SignInAsync(browser, workspace.Owner.Email, "wrong-password-" + i);
        }

        var locked = await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("user.locked_out", await ActionsOfAsync(workspace.Owner.Id));

        App.Clock.Advance(TimeSpan.FromMinutes(16));
        var afterLockout = await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        Assert.Equal(HttpStatusCode.Redirect, afterLockout.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRejected()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var response = await App.Browser().PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = workspace.Owner.Email,
            ["password"] = workspace.Owner.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PasswordChange_SignsOutEveryOtherSession_AndKeepsThisOne()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var laptop = App.Browser();
        var phone = App.Browser();
        await ParleyApp.SignInAsync(laptop, workspace.Owner.Email, workspace.Owner.Password);
        await ParleyApp.SignInAsync(phone, workspace.Owner.Email, workspace.Owner.Password);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync($"/w/{workspace.Slug}")).StatusCode);

        var token = await ParleyApp.AntiforgeryTokenAsync(laptop, "/account");
        var change = await laptop.PostAsync("/account?handler=password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["currentPassword"] = workspace.Owner.Password,
            ["newPassword"] = "a-brand-new-passphrase",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync($"/w/{workspace.Slug}")).StatusCode);
        var phoneAfter = await phone.GetAsync($"/w/{workspace.Slug}");
        Assert.Equal(HttpStatusCode.Redirect, phoneAfter.StatusCode);
        Assert.StartsWith("/signin", phoneAfter.Headers.Location?.PathAndQuery ?? phoneAfter.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await ParleyApp.SignInAsync(App.Browser(), workspace.Owner.Email, "a-brand-new-passphrase")).StatusCode);
        Assert.Contains("user.password_changed", await ActionsOfAsync(workspace.Owner.Id));
    }

    [Fact]
    public async Task PasswordChange_WithWrongCurrentPassword_ChangesNothing()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);

        var token = await ParleyApp.AntiforgeryTokenAsync(browser, "/account");
        var change = await browser.PostAsync("/account?handler=password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["currentPassword"] = "wrong-current-password",
            ["newPassword"] = "a-brand-new-passphrase",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, change.StatusCode);
        Assert.Contains("The current password is not correct.", await change.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await ParleyApp.SignInAsync(App.Browser(), workspace.Owner.Email, workspace.Owner.Password)).StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);

        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}");
        var signOut = await browser.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync($"/w/{workspace.Slug}")).StatusCode);
    }

    private async Task<List<string>> ActionsOfAsync(Guid userId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        return await db.AuditEntries.IgnoreQueryFilters().Where(a => a.ActorId == userId).Select(a => a.Action).ToListAsync();
    }
}
