import os

import requests

AUTYPE_BASE_URL = "https://api.autype.com/api/v1/dev"

session = requests.Session()
session.headers["X-API-Key"] = os.environ["AUTYPE_API_KEY"]


def render(template_id: str, data: dict) -> bytes:
    resp = session.post(f"{AUTYPE_BASE_URL}/documents/render", json={"templateId": template_id, "data": data}, timeout=30)
    resp.raise_for_status()
    return resp.content
