using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver on 127.0.0.1: records every request (method, path,
/// content type, body) and answers 200 with an empty protobuf body (an empty export response is a valid one).
/// Loopback only, on a free port.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        // A free port can be taken by someone else between the probe and the listener's start: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Close();
            }
        }

        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<Request> Requests => [.. _requests];

    /// <summary>A port on 127.0.0.1 that nothing listens on (bound by the system, then closed): connections are refused.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was stopped under a pending GetContextAsync: the end of serving, not a failure.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            // Recorded before the answer: once the exporter has its response, the test sees the request.
            _requests.Enqueue(new Request(context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? string.Empty,
                context.Request.ContentType ?? string.Empty, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
    }

    /// <summary>One request as it arrived.</summary>
    internal sealed record Request(string Method, string Path, string ContentType, byte[] Body)
    {
        /// <summary>Whether the body holds <paramref name="text"/> as UTF-8: protobuf stores strings verbatim, so names show up as they are.</summary>
        public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

        public override string ToString() => $"{Method} {Path} ({ContentType}, {Body.Length} bytes)";
    }
}
