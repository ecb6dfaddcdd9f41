#!/usr/bin/env python3
"""One-off: re-render every archived contract through Autype (DOC-412)."""
import csv
import sys

import requests

API_KEY = "ak_9Zon9nIKoGxmBVOFG0aITidIlDAoQp0w"
BASE = "https://api.autype.com/api/v1/dev"
HEADERS = {"Authorization": "Bearer " + API_KEY, "Content-Type": "application/json"}


def main(path: str) -> None:
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            r = requests.post(
                f"{BASE}/documents/render",
                headers=HEADERS,
                json={"templateId": row["template"], "data": row},
                timeout=60,
            )
            print(row["contract_id"], r.status_code)


if __name__ == "__main__":
    main(sys.argv[1])
