using System;
using System.Threading.Tasks;
using RestSharp;
using RestSharp.Authenticators;

namespace Acme.Docs;

public sealed class AutypeClient : IDisposable
{
    private readonly RestClient _client;

    public AutypeClient()
    {
        var options = new RestClientOptions("https://api.autype.com/api/v1/dev")
        {
            Authenticator = new JwtAuthenticator(Environment.GetEnvironmentVariable("AUTYPE_API_KEY")!),
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client = new RestClient(options);
    }

    public async Task<byte[]?> RenderAsync(string templateId, object data)
    {
        var request = new RestRequest("documents/render", Method.Post)
            .AddJsonBody(new { templateId, data });
        return await _client.DownloadDataAsync(request);
    }

    public void Dispose() => _client.Dispose();
}
