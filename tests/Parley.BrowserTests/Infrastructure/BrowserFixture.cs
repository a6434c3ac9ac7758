using System.Text.RegularExpressions;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>
/// One Parley process and one headless Chromium (Debian's) for the whole browser suite; every test opens
/// its own browser context, so cookies and storage never leak from one test to the next.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Collection = "Browser";

    private IPlaywright? playwright;
    private IBrowser? browser;
    private ParleyServer? server;

    public ParleyServer Server => server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Generous, because CI machines are often busy; a passing step takes far less.</summary>
    private const float Timeout = 20_000;

    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        // The server and the browser start side by side; on failure whichever did start is stopped again.
        try
        {
            await Task.WhenAll(StartServerAsync(), LaunchBrowserAsync());
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh browser context (own cookies) on Parley; English unless a locale is given.</summary>
    public async Task<IBrowserContext> NewContextAsync(string locale = "en-US", int width = 1280, int height = 720)
    {
        var context = await browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUrl,
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(Timeout);
        return context;
    }

    /// <summary>Signs in with the form and waits until Parley has moved on from /signin (to a page of its own, not a browser error page).</summary>
    public static async Task SignInAsync(IPage page, Account account)
    {
        await page.GotoAsync("/signin");
        await page.Locator("main input[name=email]").FillAsync(account.Email);
        await page.Locator("main input[name=password]").FillAsync(account.Password);
        await page.Locator("main button[type=submit]").ClickAsync();
        // Signed in once the browser has left the sign-in page. An assertion that polls the address, not a
        // wait for the navigation's load events: those waits timed out on a busy machine although the next
        // page had arrived. The next page's own locators wait for what they need.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/signin"));
    }

    private async Task StartServerAsync() => server = await ParleyServer.StartAsync();

    private async Task LaunchBrowserAsync()
    {
        Assertions.SetDefaultExpectTimeout(Timeout);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

[CollectionDefinition(BrowserFixture.Collection)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>;
