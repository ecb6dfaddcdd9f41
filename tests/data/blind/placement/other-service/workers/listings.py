import os

import requests

JSEARCH_API_KEY = "ak_ynptgC2dILF_i14JUdqSFreZlZHncSJfrnVW2"
JSEARCH_URL = os.environ.get("JSEARCH_URL", "https://api.jsearch.example/v1")


def fetch_listings(term: str) -> list:
    r = requests.get(f"{JSEARCH_URL}/search", params={"query": term},
                     headers={"X-RapidAPI-Key": JSEARCH_API_KEY}, timeout=20)
    r.raise_for_status()
    return r.json()["data"]
