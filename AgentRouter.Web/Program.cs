using AgentRouter.Web.Admin;
using AgentRouter.Web.Alerts;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Console;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Hosting;
using AgentRouter.Web.Jobs;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Redis;
using AgentRouter.Web.RateLimits;
using AgentRouter.Web.Telemetry;

if (args is ["healthcheck", ..])
    return await HealthProbe.RunAsync(args);

var builder = WebApplication.CreateBuilder(ContentRoot.Options(args));

builder.AddHosting();
builder.AddData();
builder.AddRedis();
builder.AddGateway();
builder.AddBudgets();
builder.AddRateLimits();
builder.AddTelemetry();
builder.AddBilling();
builder.AddPricing();
builder.AddBillingReports();
builder.AddMcp();
builder.AddJobs();
builder.AddAdminApi();
builder.AddConsole();
builder.AddAlerts();
builder.AddHealth();

var app = builder.Build();

app.UseHosting();
app.UseExceptionHandler();
app.UseConsoleSecurityHeaders();
// Routing runs here, after the middleware every request needs: gateway endpoints (ShortCircuit, Gateway/) answer from
// it and skip the console's authentication, authorization and antiforgery below.
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapGateway();
app.MapMcp();
app.MapAdminApi();
app.MapBillingReports();
app.MapJobs();
app.MapAlerts();
app.MapHealth();
app.MapTelemetry();
app.MapConsole();

await app.RunAsync();
return 0;

/// <summary>Entry point; public so the test host can start the app.</summary>
public partial class Program;
