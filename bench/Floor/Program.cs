// Usage: AgentRouter.Bench.Floor --urls http://127.0.0.1:PORT --upstream http://127.0.0.1:UPSTREAM
// Every request is forwarded as it came to the upstream fake by YARP's IHttpForwarder (MapForwarder): no key, no
// policy, no body reading, no usage. The cheapest a .NET reverse proxy can be on this machine.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MinResponseDataRate = null;
});
builder.Services.AddHttpForwarder();
var app = builder.Build();
var upstream = app.Configuration["upstream"] ?? throw new InvalidOperationException("--upstream http://host:port is required");
app.MapGet("/healthz", () => "ok");
app.MapForwarder("/{**catch-all}", upstream);
app.Run();
