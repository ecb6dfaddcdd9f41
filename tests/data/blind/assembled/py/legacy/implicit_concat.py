# legacy importer, kept for the 2019 archive
import urllib.request

API_KEY = (
    "ak_nDYwZd8"
    "2gSVAEe"
    "BGFsqUdL"
)


def fetch(path):
    req = urllib.request.Request("https://api.autype.com/api/v1/dev" + path,
                                 headers={"X-API-Key": API_KEY})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()
