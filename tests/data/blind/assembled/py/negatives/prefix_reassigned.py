"""Token prefixes differ between the old and the new sandbox."""
KEY_PREFIX = "ak_"
# the sandbox issues sbx_ tokens since v3
KEY_PREFIX = "sbx_"

SANDBOX_TOKEN = KEY_PREFIX + "ZJWzqUe5qlMxKinBSiGPwEU_QZBluuJ"


def is_sandbox(token: str) -> bool:
    return token.startswith(KEY_PREFIX)
