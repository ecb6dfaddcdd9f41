using System;
using System.Net.Http;
using System.Net.Http.Headers;

namespace Acme.Docs.Services;

public static class AutypeHttpClientFactory
{
    public static HttpClient Create()
    {
        var key = Environment.GetEnvironmentVariable("AUTYPE_API_KEY")
                  ?? throw new InvalidOperationException("AUTYPE_API_KEY missing");
        var http = new HttpClient { BaseAddress = new Uri("https://api.autype.com/api/v1/dev/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
