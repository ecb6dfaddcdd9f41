package com.acme.docs;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestTemplate;

import java.util.Map;

@Service
public class AutypeService {

    private static final String BASE_URL = "https://api.autype.com/api/v1/dev";

    private final RestTemplate restTemplate;

    @Value("${autype.api-key}")
    private String autypeApiKey;

    public AutypeService(RestTemplate restTemplate) {
        this.restTemplate = restTemplate;
    }

    public byte[] render(String templateId, Map<String, Object> data) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setBearerAuth(autypeApiKey);
        HttpEntity<Map<String, Object>> entity =
                new HttpEntity<>(Map.of("templateId", templateId, "data", data), headers);
        ResponseEntity<byte[]> resp =
                restTemplate.exchange(BASE_URL + "/documents/render", HttpMethod.POST, entity, byte[].class);
        return resp.getBody();
    }
}
