"""Fixtures for the key-format validator. None of these are real keys."""
DOC_EXAMPLE = "".join(["ak_", "your_api_key_here"])
X_RUN = "ak_%s" % "xxxxxxxxxxxxxxxxxxxxxxxx"
ZEROS = "{}{}".format("ak_", "000000000000000000000000")
COUNTING = f"ak_{'0123456789'}{'0123456789'}"
PERIODIC = "_".join(["ak", "c0ffeec0ffeec0ffeec0ffee"])
WORDS = "ak_" + "replace_with_your_own_key"

INVALID = [
    "ak_",
    "ak_short",
]
