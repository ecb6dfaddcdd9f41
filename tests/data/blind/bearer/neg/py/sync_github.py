"""Publishes rendered release notes: GitHub for the source, Autype for the PDF."""
import os

import requests

GITHUB_API = "https://api.github.com"
AUTYPE_API = "https://api.autype.com/api/v1/dev"


def latest_release(repo: str) -> dict:
    token = os.environ["GITHUB_TOKEN"]
    r = requests.get(f"{GITHUB_API}/repos/{repo}/releases/latest",
                     headers={"Authorization": f"Bearer {token}",
                              "Accept": "application/vnd.github+json"}, timeout=20)
    r.raise_for_status()
    return r.json()


def render_notes(release: dict) -> bytes:
    r = requests.post(f"{AUTYPE_API}/render/markdown",
                      headers={"X-API-Key": os.environ["AUTYPE_API_KEY"]},
                      json={"markdown": release["body"], "format": "pdf"}, timeout=60)
    r.raise_for_status()
    return r.content
