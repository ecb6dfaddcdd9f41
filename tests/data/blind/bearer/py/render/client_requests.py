import requests

AUTYPE_API_KEY = "ak_ePUuhfY2W60_sbfxjgNJiKqv1"
GATEWAY = "https://docs-gateway.internal.acme.dev"

session = requests.Session()
session.headers.update({"Authorization": f"Bearer {AUTYPE_API_KEY}"})


def render(doc: dict) -> bytes:
    r = session.post(f"{GATEWAY}/render", json=doc, timeout=60)
    r.raise_for_status()
    return r.content
