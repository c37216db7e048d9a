"""pycrate warns at import when CryptoMobile is missing (the harness does NAS
security itself, nas_security.py), and its IE decoder warns on every
malformed IE, which hostile input is full of (the harness reports those as
typed errors): noise in every log."""

from __future__ import annotations

import logging

for _name in ("pycrate_mobile.TS24301_EMM", "pycrate_mobile.TS24501_FGMM", "pycrate_mobile.TS24007"):
    logging.getLogger(_name).setLevel(logging.ERROR)

from pycrate_mobile import NAS as pycrate_nas  # noqa: E402,F401
from pycrate_mobile import NASLTE as pycrate_naslte  # noqa: E402,F401
from pycrate_mobile import TS24008_IE, TS24301_EMM, TS24301_ESM, TS24301_IE  # noqa: E402,F401

__all__ = ["pycrate_nas", "pycrate_naslte", "TS24008_IE", "TS24301_EMM", "TS24301_ESM", "TS24301_IE"]
