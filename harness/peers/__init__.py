"""Servers the tester node runs on the DUT's link when a case needs them:
they answer the DUT on the wire, as the real servers would."""
