"""IoT terminal conformance harness."""

__version__ = "0.1.0"
