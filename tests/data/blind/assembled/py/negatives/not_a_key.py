import os

CACHE_PREFIX = "ak_"


def cache_key(org_id: str) -> str:
    return CACHE_PREFIX + org_id


def metric(name: str) -> str:
    return "ak_" + name


LOOKUP_TTL = CACHE_PREFIX + "org_id_lookup_ttl_secs"
SHORT = "ak_" + "dev1"
FROM_ENV = "ak_" + os.environ.get("AUTYPE_KEY_SUFFIX", "")
