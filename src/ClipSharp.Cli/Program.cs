using ClipSharp.Cli;

return ClipCli.Run(args, Console.Out, Console.Error);
