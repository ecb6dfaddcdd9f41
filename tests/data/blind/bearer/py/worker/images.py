import os

import requests

from .auth import BearerAuth

AUTYPE_BASE = "https://api.autype.com/api/v1/dev"


def fetch_images() -> list:
    key = os.environ["AUTYPE_API_KEY"]
    resp = requests.get(f"{AUTYPE_BASE}/images", auth=BearerAuth(key), timeout=10)
    resp.raise_for_status()
    return resp.json()["items"]
