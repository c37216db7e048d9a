"""NAS timers: the GPRS Timer codecs (TS 24.008 10.5.7.3, 10.5.7.4, 10.5.7.4a)
and the named timer values of TS 24.301 10.2 the waits are built from."""

from __future__ import annotations

from dataclasses import dataclass

from harness.cellular.errors import CellularParseError

# TS 24.301 Table 10.2.1 (UE side). NB-S1 mode extends some of them.
T3410_S = 15.0  # attach: Attach Request sent, until Accept or Reject
T3410_NBS1_S = 85.0  # T3410 in NB-S1 mode
T3411_S = 10.0  # attach failure: delay before the next attempt
T3402_DEFAULT_S = 12 * 60.0  # after the attach attempt counter reaches its limit (network may set it)
T3421_S = 15.0  # detach: Detach Request sent (not for switch-off)
T3418_S = 20.0  # authentication failure #20/#26 sent
T3420_S = 15.0  # authentication failure #21 sent
ATTACH_ATTEMPT_LIMIT = 5  # TS 24.301 5.5.1.2.6: attach attempt counter limit
# TS 24.301 Table 10.2.2 (network side).
T3450_S = 6.0  # Attach Accept sent, until Attach Complete (retransmitted 4 times)
T3460_S = 6.0  # Authentication Request / Security Mode Command sent
T3489_S = 4.0  # ESM Information Request sent (TS 24.301 Table 10.3.2)

# GPRS Timer / GPRS Timer 2 unit (bits 8-6) -> seconds per step.
TIMER2_UNITS = {0b000: 2.0, 0b001: 60.0, 0b010: 360.0}
# GPRS Timer 3 unit (bits 8-6) -> seconds per step.
TIMER3_UNITS = {0b000: 600.0, 0b001: 3600.0, 0b010: 36000.0, 0b011: 2.0, 0b100: 30.0, 0b101: 60.0, 0b110: 1152000.0}
DEACTIVATED = 0b111


@dataclass(frozen=True)
class GprsTimerValue:
    """One timer octet: a 3-bit unit and a 5-bit value. `seconds` is None
    when the timer is deactivated."""

    unit: int
    value: int

    UNITS = TIMER2_UNITS
    # TS 24.008: other unit values of GPRS Timer 2 are read as 1 minute.
    OTHER_UNITS_S = 60.0

    @classmethod
    def from_octet(cls, octet: int) -> "GprsTimerValue":
        if not 0 <= octet <= 0xFF:
            raise CellularParseError(f"timer octet out of range: {octet}")
        return cls(octet >> 5, octet & 0x1F)

    @classmethod
    def from_bits(cls, bits: str) -> "GprsTimerValue":
        """The 8-character bit string +CPSMS and +CEREG use."""
        if len(bits) != 8 or set(bits) - {"0", "1"}:
            raise CellularParseError(f"not an 8-bit timer string: {bits!r}")
        return cls.from_octet(int(bits, 2))

    @property
    def octet(self) -> int:
        return (self.unit << 5) | self.value

    @property
    def bits(self) -> str:
        return f"{self.octet:08b}"

    @property
    def deactivated(self) -> bool:
        return self.unit == DEACTIVATED

    @property
    def seconds(self) -> float | None:
        if self.deactivated:
            return None
        return self.value * self.UNITS.get(self.unit, self.OTHER_UNITS_S)

    @classmethod
    def encode(cls, seconds: float | None) -> "GprsTimerValue":
        """The exact coding of `seconds` with the finest unit that holds it."""
        if seconds is None:
            return cls(DEACTIVATED, 0)
        for unit, step in sorted(cls.UNITS.items(), key=lambda item: item[1]):
            count = seconds / step
            if count == int(count) and count <= 31:
                return cls(unit, int(count))
        raise ValueError(f"{seconds} s has no exact {cls.__name__} coding")


class GprsTimer2(GprsTimerValue):
    """GPRS Timer 2 (T3324, T3346); the plain GPRS Timer (T3402, T3412)
    has the same units."""


class GprsTimer3(GprsTimerValue):
    """GPRS Timer 3 (T3412 extended, T3396); other unit values are 1 hour."""

    UNITS = TIMER3_UNITS
    OTHER_UNITS_S = 3600.0


GprsTimer = GprsTimer2
