"""IPv6 address judgements with netaddr: no string handling of addresses."""

from __future__ import annotations

from enum import Enum

from netaddr import EUI, IPAddress, IPNetwork

LINK_LOCAL = IPNetwork("fe80::/10")
SOLICITED_NODE_PREFIX = IPAddress("ff02::1:ff00:0")
ALL_NODES = IPAddress("ff02::1")
ALL_ROUTERS = IPAddress("ff02::2")
ALL_MLDV2_ROUTERS = IPAddress("ff02::16")
UNSPECIFIED = IPAddress("::")


class IidKind(str, Enum):
    EUI64 = "eui64"  # modified EUI-64 from the MAC (RFC 4291 appendix A)
    OPAQUE = "opaque"  # stable-privacy (RFC 7217) or temporary (RFC 8981)


def ip(value: str | IPAddress) -> IPAddress:
    address = IPAddress(value)
    if address.version != 6:
        raise ValueError(f"not an IPv6 address: {value}")
    return address


def eui64_address(prefix: str | IPNetwork, mac: str) -> IPAddress:
    """The address SLAAC forms from `prefix` with a modified EUI-64 IID."""
    network = IPNetwork(prefix)
    return IPAddress(network.first | int(EUI(mac).modified_eui64()), 6)


def eui64_link_local(mac: str) -> IPAddress:
    return eui64_address("fe80::/64", mac)


def is_link_local(address: str | IPAddress) -> bool:
    return ip(address) in LINK_LOCAL


def solicited_node(address: str | IPAddress) -> IPAddress:
    """ff02::1:ffXX:XXXX for the low 24 bits of the address (RFC 4291 2.7.1)."""
    return IPAddress(int(SOLICITED_NODE_PREFIX) | (int(ip(address)) & 0xFFFFFF), 6)


def multicast_mac(group: str | IPAddress) -> str:
    """33:33 plus the group's low 32 bits (RFC 2464 7)."""
    low = int(ip(group)) & 0xFFFFFFFF
    return "33:33:" + ":".join(f"{(low >> shift) & 0xFF:02x}" for shift in (24, 16, 8, 0))


def iid_kind(address: str | IPAddress, mac: str) -> IidKind:
    iid = int(ip(address)) & ((1 << 64) - 1)
    return IidKind.EUI64 if iid == int(EUI(mac).modified_eui64()) else IidKind.OPAQUE


def in_prefix(address: str | IPAddress, prefix: str | IPNetwork) -> bool:
    return ip(address) in IPNetwork(prefix)
