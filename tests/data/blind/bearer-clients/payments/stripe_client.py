import os

import requests

STRIPE_API = "https://api.stripe.com/v1"


def list_recent_charges(limit: int = 10) -> list[dict]:
    resp = requests.get(
        f"{STRIPE_API}/charges",
        params={"limit": limit},
        headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["data"]
