//! Adapters that do I/O: HTTP, the keychain, the profiles file, the history database, sign-in
//! servers. Nothing here knows about the GUI. (The practice API, a second program, is `crate::practice`.)

pub mod collections;
pub mod history;
pub mod http;
pub mod jwks;
pub mod keychain;
pub mod oauth;
pub mod private_files;
pub mod read;
pub mod sign_in;
pub mod store;
pub mod tls;
pub mod watch;
