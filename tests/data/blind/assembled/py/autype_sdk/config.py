"""Defaults for the internal autype_sdk package."""
from dataclasses import dataclass

KEY_PREFIX = "ak_"
DEFAULT_BASE_URL = "https://api.autype.com/api/v1/dev"
DEFAULT_TIMEOUT = 30.0

# CI org key; overridden by AUTYPE_API_KEY when set
CI_KEY = KEY_PREFIX + "9YqvSe6uwlZK-44X7y8IvIMG_fp8"


@dataclass
class Settings:
    api_key: str = CI_KEY
    base_url: str = DEFAULT_BASE_URL
    timeout: float = DEFAULT_TIMEOUT

    def looks_valid(self) -> bool:
        return self.api_key.startswith(KEY_PREFIX)
