using System.Globalization;

namespace AgentRouter.Web.Console;

/// <summary>Amounts are US dollars whatever the server's culture (a container's invariant culture would print "¤").</summary>
public static class Money
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-US");

    public static string Usd(decimal amount) => amount.ToString("C2", Culture);
}
