"""The lab around the DUT: which driver serves which part of the lab config."""
