"""Small auth helpers shared by the service clients."""
from requests.auth import AuthBase


class BearerAuth(AuthBase):
    """Attach an OAuth2 access token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r
