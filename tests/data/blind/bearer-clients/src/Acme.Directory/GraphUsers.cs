using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Acme.Directory;

public class GraphUsers(HttpClient http)
{
    public async Task<JsonElement> MeAsync(string accessToken, CancellationToken ct = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "https://graph.microsoft.com/v1.0/me");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var res = await http.SendAsync(req, ct);
        res.EnsureSuccessStatusCode();
        return await res.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: ct);
    }
}
