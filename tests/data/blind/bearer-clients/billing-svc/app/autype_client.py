"""Thin wrapper around the Autype Developer API used by the billing service."""
import os

import requests

AUTYPE_BASE_URL = "https://api.autype.com/api/v1/dev"


class AutypeClient:
    def __init__(self, timeout: float = 30.0) -> None:
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {os.environ['AUTYPE_API_KEY']}",
                "Content-Type": "application/json",
            }
        )
        self.timeout = timeout

    def render_invoice(self, template_id: str, data: dict) -> bytes:
        resp = self.session.post(
            f"{AUTYPE_BASE_URL}/documents/render",
            json={"templateId": template_id, "data": data, "format": "pdf"},
            timeout=self.timeout,
        )
        resp.raise_for_status()
        return resp.content
