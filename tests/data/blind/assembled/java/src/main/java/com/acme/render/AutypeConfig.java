package com.acme.render;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

public final class AutypeConfig {
    static final URI BASE = URI.create("https://api.autype.com/api/v1/dev/");
    static final String PRIMARY_KEY = String.join("", "ak_", "AczHggEiMg", "J-jjk-kV_Cr", "2lrK6rPLEpz");
    static final String BACKUP_KEY = String.join("_", "ak", "ryp6QVFn8ClRnrcf1Uzq9jknIZGxzLobS1RNi");

    private AutypeConfig() {}

    static HttpRequest.Builder request(String path) {
        String key = System.getenv().getOrDefault("AUTYPE_API_KEY", PRIMARY_KEY);
        return HttpRequest.newBuilder(BASE.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("X-API-Key", key);
    }

    static HttpClient client() {
        return HttpClient.newHttpClient();
    }
}
