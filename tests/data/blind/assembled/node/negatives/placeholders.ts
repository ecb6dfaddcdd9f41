// Values used by the settings form as hints. Not keys.
export const KEY_HINT = "ak_".concat("your_api_key_here");
export const MASK = `ak_${"x".repeat(24)}`;
export const PERIODIC = "ak_" + "abcdabcdabcdabcdabcd";
export const ZEROS = `ak_${"0000000000"}${"0000000000"}`;
export const SEQ = "ak_".concat("1234567890", "1234567890");
export const WORDS = "ak_" + "paste_your_key_in_settings";
