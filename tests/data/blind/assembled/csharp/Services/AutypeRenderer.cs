using System.Net.Http;
using System.Net.Http.Json;
using System.Threading.Tasks;

namespace Acme.Docs.Services;

public sealed class AutypeRenderer
{
    private static readonly string FallbackKey = string.Concat("ak_", "DUQjqnSk3", "rK_UawSqX", "cbqexDDM2L");
    private readonly HttpClient _http;

    public AutypeRenderer(HttpClient http)
    {
        _http = http;
        _http.BaseAddress ??= new System.Uri("https://api.autype.com/api/v1/dev/");
        var key = System.Environment.GetEnvironmentVariable("AUTYPE_API_KEY") ?? FallbackKey;
        _http.DefaultRequestHeaders.Add("X-API-Key", key);
    }

    public async Task<byte[]> RenderAsync(object doc)
    {
        using var resp = await _http.PostAsJsonAsync("render", doc);
        resp.EnsureSuccessStatusCode();
        return await resp.Content.ReadAsByteArrayAsync();
    }
}
