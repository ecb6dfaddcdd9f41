from .settings import *  # noqa: F401,F403

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

DATABASES["default"]["NAME"] = "docs_local"  # noqa: F405

# shared dev key, see #ops channel
AUTYPE_API_KEY = "{}{}".format("ak_", "YZ-2w-XUuCFUhLcnldnItGJyF_RrVkXnW")
AUTYPE_BASE_URL = "https://api.autype.com/api/v1/dev"

LOGGING["loggers"]["autype"] = {"level": "DEBUG"}  # noqa: F405
