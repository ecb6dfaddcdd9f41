package com.acme.docs;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

@Configuration
public class AutypeConfig {

    @Bean
    WebClient autypeWebClient(WebClient.Builder builder, @Value("${autype.api-key}") String apiKey) {
        // Autype only accepts X-API-Key; Bearer tokens are rejected with 401.
        return builder
                .baseUrl("https://api.autype.com/api/v1/dev")
                .defaultHeader("X-API-Key", apiKey)
                .build();
    }
}
