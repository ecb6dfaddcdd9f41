import os

import requests

RENDER_PROXY = os.environ.get("RENDER_PROXY_URL", "http://render-proxy:8080")


def list_projects():
    api_key = os.environ["AUTYPE_API_KEY"]
    token = api_key
    resp = requests.get(
        f"{RENDER_PROXY}/projects",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    resp.raise_for_status()
    return resp.json()
