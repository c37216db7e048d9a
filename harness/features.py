"""Which declared features a unit may leave out. A case that needs a feature
is not applicable (skipped) on a unit that does not declare it - unless the
feature is mandatory for every IPv6 host: then the case is judged anyway,
and a unit that lacks the feature fails it. A declaration cannot switch off
a MUST."""

from __future__ import annotations

# Feature -> why no unit may leave it out. RFC 8504 (IPv6 Node Requirements)
# is the source of the MUSTs; the Action Plan asks for IPv6 on by default.
MANDATORY_FEATURES: dict[str, str] = {
    "ipv6": "IoT Action Plan 2026-2028: IPv6 supported and enabled by default; RFC 8504: IPv6 (RFC 8200) is a MUST",
    "slaac": "RFC 8504: hosts MUST support stateless address autoconfiguration (RFC 4862)",
    "mldv2": "RFC 8504: nodes MUST support MLDv2 (RFC 3810); every node joins solicited-node groups",
    "rdnss": "RFC 8504: hosts MUST support the RDNSS option of Router Advertisements (RFC 8106)",
}
# Optional by RFC 8504 (SHOULD) or by the unit's kind: judged where declared.
OPTIONAL_FEATURES = frozenset({"dhcpv6", "temporary-addresses", "cat1", "nbiot", "did"})


def not_applicable(feature: str, declared: list[str] | tuple[str, ...] | frozenset[str]) -> str | None:
    """Why a case needing `feature` is skipped on a unit declaring `declared`;
    None when it is judged."""
    if feature in declared or feature in MANDATORY_FEATURES:
        return None
    return f"DUT does not declare feature {feature!r}"
