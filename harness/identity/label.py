"""A unit's label, as a scan or photo: its QR codes decoded (zxing-cpp),
one identifier URI per line. The image is the maker's, so a file that is
not a picture, a truncated one or a decompression bomb is the label's
failure (LabelUnreadable), never a crash."""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image

from harness.identity.errors import LabelUnreadable

# A label photographed at 600 dpi on A4 is about 35 megapixels; beyond this a
# file is refused before it is decoded (Pillow's own bomb limit is 179 MP).
MAX_LABEL_PIXELS = 50_000_000
MAX_LABEL_BYTES = 64 * 1024 * 1024


def decode_label(image_bytes: bytes) -> list[str]:
    """The lines of text of every QR code in the image (PNG, JPEG, ...)."""
    if len(image_bytes) > MAX_LABEL_BYTES:
        raise LabelUnreadable(f"the label image is {len(image_bytes)} bytes, more than {MAX_LABEL_BYTES}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(image_bytes)) as image:
                width, height = image.size
                if width * height > MAX_LABEL_PIXELS:
                    raise LabelUnreadable(f"the label image is {width}x{height} pixels, more than {MAX_LABEL_PIXELS}")
                grey = image.convert("L")
    except LabelUnreadable:
        raise
    # Pillow's errors for a file that is not a picture, a cut or damaged one,
    # and a bomb: OSError (UnidentifiedImageError), SyntaxError, ValueError,
    # struct.error, EOFError, DecompressionBombError/Warning.
    except Exception as exc:  # noqa: BLE001
        raise LabelUnreadable(f"cannot read the label image: {type(exc).__name__}: {exc}") from exc
    results = zxingcpp.read_barcodes(grey)
    return [line.strip() for result in results for line in result.text.splitlines() if line.strip()]
