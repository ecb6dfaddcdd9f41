use std::env;

use anyhow::Result;
use serde_json::json;

const AUTYPE_API: &str = "https://api.autype.com/api/v1/dev";

pub async fn render_pdf(template_id: &str, data: serde_json::Value) -> Result<bytes::Bytes> {
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{AUTYPE_API}/documents/render"))
        .bearer_auth(env::var("AUTYPE_API_KEY")?)
        .json(&json!({ "templateId": template_id, "data": data }))
        .send()
        .await?
        .error_for_status()?;
    Ok(resp.bytes().await?)
}
