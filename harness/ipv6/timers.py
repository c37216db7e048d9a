"""Protocol constants the waits are built from, each citing its RFC, plus the
one lab allowance: how long an interface takes to show carrier after it is
brought up (e1000 under QEMU TCG: about 2 s measured; a bench NIC: similar)."""

MAX_RTR_SOLICITATION_DELAY_S = 1.0  # RFC 4861 10: random delay before the first RS and the first DAD NS (RFC 4862 5.4.2)
RTR_SOLICITATION_INTERVAL_S = 4.0  # RFC 4861 10
RETRANS_TIMER_S = 1.0  # RFC 4861 10: RetransTimer, also the DAD wait per probe (RFC 4862 5.4)
MAX_MULTICAST_SOLICIT = 3  # RFC 4861 10: NS attempts before giving up on a neighbour
UNSOLICITED_REPORT_INTERVAL_S = 1.0  # RFC 3810 9.11
LINK_UP_ALLOWANCE_S = 5.0  # lab allowance: carrier detection plus emulation slowness

# Derived waits: the latest a conformant node can be expected to act, plus the allowance.
DAD_PROBE_WAIT_S = LINK_UP_ALLOWANCE_S + MAX_RTR_SOLICITATION_DELAY_S
# The first RS follows the link-local address's DAD (one probe, one RetransTimer).
ROUTER_SOLICITATION_WAIT_S = DAD_PROBE_WAIT_S + RETRANS_TIMER_S + MAX_RTR_SOLICITATION_DELAY_S
MLD_REPORT_WAIT_S = LINK_UP_ALLOWANCE_S + UNSOLICITED_REPORT_INTERVAL_S
