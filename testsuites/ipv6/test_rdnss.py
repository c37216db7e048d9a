"""AP-IPV6, DNS configuration from Router Advertisements (RFC 8106): a host
uses the recursive DNS servers an RA names and forgets one whose lifetime is
set to zero. RFC 8504 makes RDNSS a MUST for IPv6 nodes. Observed from the
wire: which servers the DUT's resolver sends queries to."""

import pytest

from harness.peers.dns_server import DnsServer
from harness.verdict import nonconformant
from testsuites.ipv6.dns_lookups import describe, look_up_until_asked

pytestmark = [
    pytest.mark.needs_feature("ipv6"),
    pytest.mark.needs_feature("rdnss"),
    pytest.mark.needs_command("resolve"),
]


def look_up_while_advertised(dut, tester, server):
    """Advertise `server` as RDNSS, look up until the resolver asks it (or the
    allowance is spent), then withdraw it (lifetime 0) for the next case."""
    tester.router_advertisement(rdnss=[server])
    try:
        return look_up_until_asked(dut, server)
    finally:
        tester.router_advertisement(rdnss=[server], rdnss_lifetime=0)


@pytest.mark.requirement("AP-IPV6", "RFC8106-5.3.1")
def test_advertised_dns_server_is_used(dut, tester, configured):
    """RFC 8106 5.3.1: the addresses of a valid RDNSS option go to the
    host's resolver, which then sends its queries there."""
    server = tester.fresh_source()
    with DnsServer(tester, [server]):
        last, lookups = look_up_while_advertised(dut, tester, server)
    if server not in last.servers_asked:
        nonconformant("RFC8106-5.3.1", f"a DNS query to {server}, the RDNSS of the last RA", describe(lookups))


@pytest.mark.requirement("AP-IPV6", "RFC8106-5.1")
def test_rdnss_lifetime_zero_withdraws_the_server(dut, tester, configured):
    """RFC 8106 5.1: a Lifetime of zero means the RDNSS address MUST no longer
    be used. After the withdrawal no server answers, so the lookup walks the
    resolver's whole list: it must reach the newly advertised server and
    never the withdrawn one, whatever order the list is in."""
    withdrawn, remaining = tester.fresh_source(), tester.fresh_source()
    with DnsServer(tester, [withdrawn]):
        first, lookups = look_up_while_advertised(dut, tester, withdrawn)
    if withdrawn not in first.servers_asked:
        nonconformant("RFC8106-5.3.1", f"a DNS query to {withdrawn}, the RDNSS of the last RA", describe(lookups))
    last, lookups = look_up_while_advertised(dut, tester, remaining)
    if remaining not in last.servers_asked:
        nonconformant("RFC8106-5.3.1", f"a DNS query to {remaining}, advertised after the withdrawal", describe(lookups))
    if withdrawn in last.servers_asked:
        nonconformant(
            "RFC8106-5.1",
            f"no query to {withdrawn} after an RA gave it lifetime 0",
            f"lookup {last.name} asked {', '.join(map(str, last.servers_asked))}",
        )
