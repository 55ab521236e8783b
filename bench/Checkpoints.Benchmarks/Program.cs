using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Checkpoints.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Checkpoints.Benchmarks.BenchConfig).Assembly).Run(args, new Checkpoints.Benchmarks.BenchConfig());
