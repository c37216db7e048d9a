"""Protocol constants the waits are built from, each citing its RFC, plus two
lab allowances: how long an interface takes to show carrier after it is
brought up (e1000 under QEMU TCG: about 2 s measured; a bench NIC: similar),
and how long a DUT whose link is up may take to act on a frame."""

MAX_RTR_SOLICITATION_DELAY_S = 1.0  # RFC 4861 10: random delay before the first RS and the first DAD NS (RFC 4862 5.4.2)
RTR_SOLICITATION_INTERVAL_S = 4.0  # RFC 4861 10
RETRANS_TIMER_S = 1.0  # RFC 4861 10: RetransTimer, also the DAD wait per probe (RFC 4862 5.4)
MAX_RA_DELAY_TIME_S = 0.5  # RFC 4861 10: a router delays a solicited RA by up to this (6.2.6)
MAX_MULTICAST_SOLICIT = 3  # RFC 4861 10: NS attempts before giving up on a neighbour
UNSOLICITED_REPORT_INTERVAL_S = 1.0  # RFC 3810 9.11
MLD_ROBUSTNESS_VARIABLE = 2  # RFC 3810 9.1: an unsolicited report is sent this many times
SOL_MAX_DELAY_S = 1.0  # RFC 8415 7.6: random delay before the first Solicit
INF_MAX_DELAY_S = 1.0  # RFC 8415 7.6: random delay before the first Information-request
SOL_TIMEOUT_S = 1.0  # RFC 8415 7.6: initial Solicit retransmission time (Advertises are collected this long)
REQ_TIMEOUT_S = 1.0  # RFC 8415 7.6: initial Request retransmission time
LINK_UP_ALLOWANCE_S = 5.0  # lab allowance: carrier detection plus emulation slowness
# Lab allowance: a running DUT (its link already seen up) handling a frame
# and sending what it causes, under emulation. Windows that start at a frame
# the DUT sent or received use this, not the link-up allowance.
PROCESSING_ALLOWANCE_S = 1.0

# Derived waits: the latest a conformant node can be expected to act, plus the allowance.
DAD_PROBE_WAIT_S = LINK_UP_ALLOWANCE_S + MAX_RTR_SOLICITATION_DELAY_S
# A running DUT probes an address an RA made it form after the random delay (RFC 4862 5.4.2).
RA_TO_DAD_PROBE_WAIT_S = MAX_RTR_SOLICITATION_DELAY_S + PROCESSING_ALLOWANCE_S
# The last of a link-up's unsolicited MLD reports, counted from the first
# (RFC 3810 6.1: Robustness Variable reports, each within the interval).
MLD_REPORTS_SPREAD_S = MLD_ROBUSTNESS_VARIABLE * UNSOLICITED_REPORT_INTERVAL_S + PROCESSING_ALLOWANCE_S
# The first RS follows the link-local address's DAD (one probe, one RetransTimer).
ROUTER_SOLICITATION_WAIT_S = DAD_PROBE_WAIT_S + RETRANS_TIMER_S + MAX_RTR_SOLICITATION_DELAY_S
MLD_REPORT_WAIT_S = LINK_UP_ALLOWANCE_S + UNSOLICITED_REPORT_INTERVAL_S
# A DHCPv6 client started by an RA's flags sends its first message within
# the maximum delay; the allowance covers starting the client process.
DHCPV6_START_WAIT_S = LINK_UP_ALLOWANCE_S + max(SOL_MAX_DELAY_S, INF_MAX_DELAY_S)
# Solicit -> Advertise (collected for SOL_TIMEOUT) -> Request -> Reply.
DHCPV6_LEASE_WAIT_S = DHCPV6_START_WAIT_S + SOL_TIMEOUT_S + REQ_TIMEOUT_S
