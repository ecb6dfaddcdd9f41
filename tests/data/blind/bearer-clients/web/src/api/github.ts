const GITHUB_API = "https://api.github.com";

export interface Repo {
  id: number;
  full_name: string;
  private: boolean;
}

export async function listRepos(org: string): Promise<Repo[]> {
  const res = await fetch(`${GITHUB_API}/orgs/${org}/repos?per_page=100`, {
    headers: {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${process.env.GITHUB_TOKEN}`,
      "X-GitHub-Api-Version": "2022-11-28",
    },
  });
  if (!res.ok) throw new Error(`GitHub API ${res.status}`);
  return res.json();
}
