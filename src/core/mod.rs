//! The domain: no GUI, no async runtime, no keychain, no files, no network.
