"""Render the monthly usage report through Autype and upload it to S3."""
from datetime import date

import boto3
import httpx

from reports import auth_helpers
from reports.settings import settings

client = httpx.Client(
    base_url="https://api.autype.com/api/v1/dev",
    auth=auth_helpers.BearerAuth(settings.autype_api_key),
    timeout=60.0,
)


def main() -> None:
    today = date.today()
    resp = client.post(
        "/documents/render",
        json={"templateId": "monthly-usage", "data": {"month": today.strftime("%Y-%m")}},
    )
    resp.raise_for_status()
    boto3.client("s3").put_object(
        Bucket=settings.reports_bucket,
        Key=f"usage/{today:%Y-%m}.pdf",
        Body=resp.content,
    )


if __name__ == "__main__":
    main()
