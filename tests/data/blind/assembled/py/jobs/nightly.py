import datetime as dt
import os

import httpx

from jobs.base import Job

RENDER_KEY = "ak_%s" % "MID9R0qAwvjxStuI1MgNV4LxQRru7dzbGA1"


class NightlyStatements(Job):
    schedule = "0 2 * * *"

    def run(self) -> None:
        day = dt.date.today() - dt.timedelta(days=1)
        headers = {"X-API-Key": os.environ.get("AUTYPE_API_KEY", RENDER_KEY)}
        with httpx.Client(base_url="https://api.autype.com/api/v1/dev", headers=headers) as c:
            r = c.post("/render/bulk", json={"template": "statement", "date": day.isoformat()})
            r.raise_for_status()
