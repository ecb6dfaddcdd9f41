use anyhow::Result;
use reqwest::Client;
use serde_json::Value;

pub async fn render(doc: &Value) -> Result<bytes::Bytes> {
    let api_key = std::env::var("AUTYPE_API_KEY")?;
    let gateway = std::env::var("DOCS_GATEWAY_URL")?;
    let resp = Client::new()
        .post(format!("{gateway}/render"))
        .bearer_auth(&api_key)
        .json(doc)
        .send()
        .await?
        .error_for_status()?;
    Ok(resp.bytes().await?)
}
