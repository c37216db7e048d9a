"""Value types that cross layers: what drivers produce and knowledge,
evidence and suites read (frames and their pcap, port states, TLS scans).
Nothing here imports a driver."""
