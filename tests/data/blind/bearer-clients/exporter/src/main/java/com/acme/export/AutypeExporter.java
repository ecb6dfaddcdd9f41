package com.acme.export;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public final class AutypeExporter {

    private static final URI TEMPLATES =
            URI.create("https://api.autype.com/api/v1/dev/templates");

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    public String listTemplates() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(TEMPLATES)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + System.getenv("AUTYPE_API_KEY"))
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Autype returned " + response.statusCode());
        }
        return response.body();
    }
}
