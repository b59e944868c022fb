using AgentRouter.Bench.Console;

// bench/console.sh [records] — generate (unless the store exists with that many records), measure, and optionally
// time Overview, Finance, a team's page and the request log to interactive in Chromium.
var command = args.ElementAtOrDefault(0) ?? "all";
var path = Path.GetFullPath(args.ElementAtOrDefault(1) ?? "bench/results/console/agentrouter.db");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
switch (command)
{
    case "generate":
        await Generate.RunAsync(path, long.Parse(args.ElementAtOrDefault(2) ?? "10000000"), seed: 6);
        break;
    case "measure":
        await Measure.RunAsync(path, int.Parse(args.ElementAtOrDefault(2) ?? "5"));
        break;
    case "browser":
        await Browser.RunAsync(path, args.ElementAtOrDefault(2) ?? throw new ArgumentException("browser <db> <url> [runs]"), int.Parse(args.ElementAtOrDefault(3) ?? "5"));
        break;
    default:
        Console.Error.WriteLine("usage: generate <db> [records] | measure <db> [runs] | browser <db> <url> [runs]");
        return 2;
}
return 0;
