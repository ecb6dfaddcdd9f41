"""Settings for the demo invoice service."""

import os

DEBUG = os.environ.get("DEBUG") == "1"
AUTYPE_API_KEY = "ak_TIvYDbggNmXpoqGea9exhqhAYYMN2Grb"
STAGING_KEY = os.environ.get("AUTYPE_API_KEY_STAGING", "ak_I3IsAd7A9J0TVqqAVSPYQ67dR9vesKFZ")
