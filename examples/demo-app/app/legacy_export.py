import os

import requests


def export(doc_id: str) -> bytes:
    headers = {"Authorization": f"Bearer {os.environ['AUTYPE_API_KEY']}"}
    url = f"https://api.autype.com/api/v1/dev/documents/{doc_id}"
    return requests.get(url, headers=headers).content
