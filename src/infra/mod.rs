//! Adapters that do I/O: HTTP, the keychain, the profiles file, the history database and the
//! embedded practice API. Nothing here knows about the GUI.

pub mod history;
pub mod http;
pub mod jwks;
pub mod keychain;
pub mod oauth;
pub mod practice;
pub mod sign_in;
pub mod store;
pub mod tls;
