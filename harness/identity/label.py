"""A unit's label, as a scan or photo: its QR codes decoded (zxing-cpp),
one identifier URI per line."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from harness.identity.identifiers import InvalidIdentifier


def decode_label(image_bytes: bytes) -> list[str]:
    """The lines of text of every QR code in the image (PNG, JPEG, ...)."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            results = zxingcpp.read_barcodes(image.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        raise InvalidIdentifier(f"cannot read the label image: {exc}") from exc
    return [line.strip() for result in results for line in result.text.splitlines() if line.strip()]
