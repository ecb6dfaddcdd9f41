import os

import requests

BASE_URL = "https://api.autype.com/api/v1/dev"


def list_projects(session: requests.Session) -> list:
    # Correct: the key comes from the environment.
    headers = {"X-API-Key": os.environ["AUTYPE_API_KEY"]}
    return session.get(f"{BASE_URL}/projects", headers=headers).json()


def render(session: requests.Session, payload: dict) -> bytes:
    headers = {"X-API-Key": "ak_WQAccS0AnoZ0QXSmn1d2mAzEbCLKVp8c"}
    return session.post(f"{BASE_URL}/render", json=payload, headers=headers).content
