"""Identity knowledge, pure: DID syntax (W3C DID Core), did:key and did:bid,
DID documents, Ed25519 and SM2 signatures, and traceability identifiers.
No I/O: text and bytes in, typed results or typed errors out."""
