"""Our NAS trace reader against Wireshark's dissector (tshark) on the same
capture: messages per second each, and the ratio.

The capture is generated (fixtures/cellular/trace_generator.py: every message
type the emulators send, GSMTAP over UDP in a pcap). Both sides read the
file from disk and decode every message; tshark extracts the fields the
cross-check compares, our reader builds its typed records.

    .venv/bin/python benchmarks/nas_decode.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fixtures.cellular.trace_generator import generate  # noqa: E402
from harness.cellular.trace import read_nas_trace  # noqa: E402
from harness.drivers.tshark import tshark_rows  # noqa: E402


def timed(label: str, read, expected: int) -> float:
    started = time.perf_counter()
    count = len(read())
    elapsed = time.perf_counter() - started
    if count != expected:
        raise SystemExit(f"{label} read {count} messages of {expected}")
    print(f"{label:>8}: {count} messages in {elapsed:.2f} s = {count / elapsed:,.0f} messages/s")
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nas-decode-") as folder:
        trace = generate(Path(folder) / "generated.pcap", args.messages)
        print(f"capture: {args.messages} NAS messages, {trace.stat().st_size / 1e6:.1f} MB")
        ours = timed("ours", lambda: read_nas_trace(trace), args.messages)
        theirs = timed("tshark", lambda: tshark_rows(trace), args.messages)
    print(f"ratio: ours / tshark = {ours / theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
