"""Keys the audit found in the repo history (all revoked since)."""
LEAKED = {
    "separators": "ak_QfmUc9a-UOS2z_mXgFzdN-DLxCdie",
    "lowercase": "ak_tnxiixybtdjyutjjqivbykva",
    "hex": "ak_c4a313881bc3dd677645feffac057650",
    "plain": "ak_4_W06NH74SSOtyKAVNQd_Mqw",
}

# too short to be a key (15 characters after the prefix)
TRUNCATED_IN_LOG = "ak_uPStW4Eijarssvw"
