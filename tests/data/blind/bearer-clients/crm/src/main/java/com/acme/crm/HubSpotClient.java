package com.acme.crm;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

@Component
public class HubSpotClient {

    private final WebClient webClient;

    public HubSpotClient(WebClient.Builder builder, @Value("${hubspot.access-token}") String token) {
        this.webClient = builder
                .baseUrl("https://api.hubapi.com")
                .defaultHeaders(h -> h.setBearerAuth(token))
                .build();
    }

    public String contacts() {
        return webClient.get().uri("/crm/v3/objects/contacts?limit=10")
                .retrieve().bodyToMono(String.class).block();
    }
}
