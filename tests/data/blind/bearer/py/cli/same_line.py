import sys

import requests


def main() -> int:
    r = requests.get("https://api.autype.com/api/v1/dev/projects", headers={"Authorization": "Bearer ak_0Jd8pnCJvQWcOpP3SI3HT"})
    for p in r.json().get("items", []):
        print(p["id"], p["name"])
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
