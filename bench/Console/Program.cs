using AgentRouter.Bench.Console;

// bench/console.sh [records] — generate (unless the store exists with that many records), measure, and optionally
// time Overview, Finance and the request log to interactive in Chromium.
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
        await Browser.RunAsync(args.ElementAtOrDefault(2) ?? throw new ArgumentException("browser <db> <url>"));
        break;
    default:
        Console.Error.WriteLine("usage: generate <db> [records] | measure <db> [runs] | browser <db> <url>");
        return 2;
}
return 0;
