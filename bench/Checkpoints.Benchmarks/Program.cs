using BenchmarkDotNet.Running;
using Checkpoints.Benchmarks;

// dotnet run -c Release --project bench/Checkpoints.Benchmarks -- --filter '*'
// Each benchmark class carries [Config(typeof(BenchConfig))].
BenchmarkSwitcher.FromAssembly(typeof(Checkpoints.Benchmarks.BenchConfig).Assembly).Run(args);
