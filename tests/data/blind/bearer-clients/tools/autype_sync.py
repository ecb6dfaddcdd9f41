import json
import os
import sys

import requests

key = os.getenv("AUTYPE_API_KEY")
if not key:
    sys.exit("AUTYPE_API_KEY not set")

resp = requests.get("https://api.autype.com/api/v1/dev/templates", headers={"authorization": "bearer {}".format(key)}, timeout=15)
resp.raise_for_status()

with open("templates.lock.json", "w") as fh:
    json.dump(resp.json(), fh, indent=2, sort_keys=True)
