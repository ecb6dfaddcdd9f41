import os

JSEARCH_BASE = "https://api.jsearch.example/v1"
JSEARCH_KEY = os.environ["JSEARCH_API_KEY"]

AUTYPE_API_KEY = "ak_ZTvm38GWX-e0lI1FHf7BXeySR1zm"
AUTYPE_BASE = "https://api.autype.com/api/v1/dev"
