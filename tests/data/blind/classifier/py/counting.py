"""Strings the key validator must reject as obviously fake."""
REJECT = [
    "ak_123456789012345678901",
    "ak_abcdefghijklmnopqrstu",
    "ak_ABCDEFGHIJKLMNOPQRSTUVWX",
    "ak_0123456789abcdefghij",
]

ACCEPT = "ak_6IpSe-yYDAkvVpBj2o7BwC-g"
