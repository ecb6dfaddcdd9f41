package com.acme.docs;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestTemplate;

@Component
public class AutypeRestClient {
    private static final String RENDER_URL = "https://api.autype.com/api/v1/dev/render";
    private final RestTemplate rest = new RestTemplate();

    @Value("${autype.api-key}")
    private String apiKey;

    public byte[] render(Object document) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setBearerAuth(apiKey);
        return rest.postForObject(RENDER_URL, new HttpEntity<>(document, headers), byte[].class);
    }
}
