//! Sign-in methods whose credential is worked out for each request rather than stored whole:
//! HTTP Digest answers the server's challenge; signatures (AWS Signature V4, OAuth 1.0a) and
//! proofs (`DPoP`) will follow. Each is pure computation over the request as it goes out, so it
//! is tested here against the specifications' own examples, and in `tests/it` against servers
//! Gatepass did not write.

pub mod digest;
pub mod dpop;
pub mod oauth1;
pub mod sigv4;
