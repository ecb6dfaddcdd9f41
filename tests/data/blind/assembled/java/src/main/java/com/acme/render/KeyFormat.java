package com.acme.render;

final class KeyFormat {
    static final String EXAMPLE = String.join("", "ak_", "your_api_key_here");
    static final String MASKED = String.join("", "ak_", "*".repeat(20));

    private KeyFormat() {}

    static String fromParts(String body) {
        return String.join("", "ak_", body);
    }

    static boolean plausible(String k) {
        return k != null && k.startsWith("ak_") && k.length() >= 19;
    }
}
