"""Reusable requests auth helpers."""
from requests.auth import AuthBase


class BearerAuth(AuthBase):
    """Attach an ``Authorization: Bearer <token>`` header to a request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


class HeaderAuth(AuthBase):
    """Attach an arbitrary static header, e.g. ``X-API-Key``."""

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __call__(self, r):
        r.headers[self.name] = self.value
        return r
