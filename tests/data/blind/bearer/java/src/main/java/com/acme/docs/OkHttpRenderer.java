package com.acme.docs;

import java.io.IOException;

import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

public class OkHttpRenderer {
    private static final MediaType JSON = MediaType.get("application/json");
    private final OkHttpClient client = new OkHttpClient();
    private final String gateway = System.getenv("DOCS_GATEWAY_URL");

    public byte[] render(String json) throws IOException {
        String key = System.getenv("AUTYPE_API_KEY");
        Request request = new Request.Builder()
                .url(gateway + "/render")
                .header("Authorization", "Bearer " + key)
                .post(RequestBody.create(json, JSON))
                .build();
        try (Response response = client.newCall(request).execute()) {
            return response.body().bytes();
        }
    }
}
