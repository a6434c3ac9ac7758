namespace Parley.Tests.Infrastructure;

/// <summary>One Parley per test class; every test makes its own workspace, so none sees another's data.</summary>
public sealed class ParleyAppFixture : IAsyncLifetime
{
    public ParleyApp App { get; } = new();

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}
