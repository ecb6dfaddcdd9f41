use std::env;

fn main() {
    let suffix = env::var("KEY_SUFFIX").unwrap_or_default();
    let from_env = format!("ak_{}", suffix);
    let fallback = format!("{}{}", "ak_", "7bqL3iI3dcZzseEjxbFeE4UKR_26xGpJ_jbWJo9");
    let staging = format!("ak_{}{}", "FDTsm-u3IyFmx", "LQbWPss9qdUQYr0DH3DZH8a_KP");
    let key = if from_env.len() > 3 { from_env } else { fallback };
    let resp = ureq::get("https://api.autype.com/api/v1/dev/images")
        .set("X-API-Key", &key)
        .call();
    println!("{:?} (staging key configured: {})", resp.map(|r| r.status()), !staging.is_empty());
}
