"""Cellular protocol knowledge (pure, no I/O): AT response parsers
(TS 27.007), GPRS timers and NAS records (TS 24.301, through pycrate), the
GSMTAP trace format, attach traces, and the EPS security functions
(Milenage TS 35.206, key derivation TS 33.401 Annex A, 128-EIA2/EEA2)."""
