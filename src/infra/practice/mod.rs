//! The embedded practice API.
