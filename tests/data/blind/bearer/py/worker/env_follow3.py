import os

import httpx


class Renderer:
    def __init__(self) -> None:
        key = os.environ["AUTYPE_API_KEY"]
        credential = key
        tok = credential
        auth_header = "Bearer " + tok
        self.client = httpx.Client(base_url=os.environ["DOCS_BACKEND_URL"],
                                   headers={"Authorization": auth_header}, timeout=60)

    def render(self, doc: dict) -> bytes:
        return self.client.post("/render", json=doc).raise_for_status().content
