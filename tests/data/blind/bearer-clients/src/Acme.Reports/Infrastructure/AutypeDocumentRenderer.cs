using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;

namespace Acme.Reports.Infrastructure;

public class AutypeDocumentRenderer
{
    private readonly HttpClient _http;

    public AutypeDocumentRenderer(HttpClient http, IConfiguration config)
    {
        _http = http;
        _http.BaseAddress = new Uri("https://api.autype.com/api/v1/dev/");
        _http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", config["Autype:ApiKey"]);
    }

    public async Task<byte[]> RenderAsync(string templateId, object data, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync("documents/render", new { templateId, data }, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(ct);
    }
}
