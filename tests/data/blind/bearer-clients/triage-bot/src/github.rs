use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
}

pub fn open_issues(repo: &str) -> Result<Vec<Issue>, Box<dyn std::error::Error>> {
    let token = std::env::var("GITHUB_TOKEN")?;
    let issues = reqwest::blocking::Client::new()
        .get(format!("https://api.github.com/repos/{repo}/issues?state=open"))
        .bearer_auth(token)
        .header("User-Agent", "triage-bot")
        .send()?
        .error_for_status()?
        .json()?;
    Ok(issues)
}
