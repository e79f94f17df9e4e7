//! HTTP Digest access authentication (RFC 7616, and the RFC 2617 and RFC 2069 servers still in
//! use): read the server's `Digest` challenges, pick the strongest one Gatepass can answer, and
//! work out the `Authorization` value for one request.
//!
//! ```text
//! 401 + WWW-Authenticate: Digest …  ──strongest()──>  DigestChallenge
//!                                                        │ (kept per profile, nonce reused)
//! request (method, target, body) + username, password ──>  DigestSession::authorize
//!                                                        ──> "Digest username=…, response=…"
//! ```
//!
//! The password never leaves as itself: only the response hash does, in a [`Secret`]. The
//! hashes are `RustCrypto`'s (`md-5`, `sha2`); the protocol's arithmetic is short and fixed by the
//! RFC, and is checked against the RFC's own examples below and against Apache's
//! `mod_auth_digest` and curl in `tests/it/digest.rs`.

use crate::core::challenge::Challenge;
use crate::core::secret::Secret;
use sha2::Digest as _;

/// The hash a Digest challenge names (RFC 7616 §3.3, §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DigestHash {
    /// RFC 2617's only algorithm, still what most servers (Apache, IIS, many devices) ask for.
    Md5,
    Sha256,
    /// SHA-512 cut to 256 bits (RFC 7616's strongest).
    Sha512_256,
}

impl DigestHash {
    fn hex(self, data: &[u8]) -> String {
        match self {
            DigestHash::Md5 => hex(&md5::Md5::digest(data)),
            DigestHash::Sha256 => hex(&sha2::Sha256::digest(data)),
            DigestHash::Sha512_256 => hex(&sha2::Sha512_256::digest(data)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            DigestHash::Md5 => "MD5",
            DigestHash::Sha256 => "SHA-256",
            DigestHash::Sha512_256 => "SHA-512-256",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// An algorithm as named in a challenge: a hash, and whether it is the `-sess` variant (the
/// password hash is mixed with the nonces once per session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestAlgorithm {
    pub hash: DigestHash,
    pub session: bool,
}

impl DigestAlgorithm {
    /// Every algorithm Gatepass answers, by its RFC 7616 name.
    pub const NAMES: [&'static str; 6] =
        ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"];

    /// Read an `algorithm` parameter, ignoring case. `SHA-512/256` is accepted as servers write
    /// it both ways.
    pub fn from_name(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase().replace("SHA-512/256", "SHA-512-256");
        let (base, session) = match upper.strip_suffix("-SESS") {
            Some(base) => (base.to_owned(), true),
            None => (upper, false),
        };
        let hash = match base.as_str() {
            "MD5" => DigestHash::Md5,
            "SHA-256" => DigestHash::Sha256,
            "SHA-512-256" => DigestHash::Sha512_256,
            _ => return None,
        };
        Some(Self { hash, session })
    }

    pub fn name(self) -> String {
        if self.session { format!("{}-sess", self.hash.name()) } else { self.hash.name().to_owned() }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// The protection a response offers (RFC 7616 §3.3 `qop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qop {
    /// The method and the address are signed.
    Auth,
    /// The body is signed too.
    AuthInt,
}

impl Qop {
    fn name(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

/// One `Digest` challenge, read and checked: everything an answer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: DigestAlgorithm,
    /// Did the server name the algorithm? An RFC 2617 server that left it out is answered
    /// without one too.
    pub algorithm_named: bool,
    /// What the server offers; empty for an RFC 2069 server (no `qop` at all).
    pub qops: Vec<Qop>,
    /// The username is sent hashed (RFC 7616 §3.4.4).
    pub userhash: bool,
    /// The nonce of the previous answer ran out, not the password (RFC 7616 §3.3 `stale`).
    pub stale: bool,
}

/// Why no answer can be made to a server's Digest challenges. The words say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error(
        "The server did not ask for Digest sign-in (its answer has no \"WWW-Authenticate: Digest\" challenge), so there was nothing to answer. Check that the profile's sign-in method is the one this API uses."
    )]
    NoChallenge,
    #[error(
        "The server asks for Digest sign-in with {}, which Gatepass does not support. Gatepass answers {}. Ask the API's owners whether the server can offer one of those.",
        quoted(.0),
        DigestAlgorithm::NAMES.join(", ")
    )]
    UnknownAlgorithm(Vec<String>),
    #[error(
        "The server's Digest challenge has no nonce, so it cannot be answered. The server is misconfigured: tell the API's owners."
    )]
    NoNonce,
    #[error(
        "The server's Digest challenge offers only the protection {}, which Gatepass does not know (it answers auth and auth-int).",
        quoted(.0)
    )]
    UnknownQop(Vec<String>),
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" and ")
}

impl DigestChallenge {
    /// Read one challenge (its scheme must be `Digest`).
    pub fn from_challenge(challenge: &Challenge) -> Result<Self, DigestError> {
        let named = challenge.param("algorithm").map(str::trim).filter(|a| !a.is_empty());
        let algorithm = match named {
            Some(name) => {
                DigestAlgorithm::from_name(name).ok_or_else(|| DigestError::UnknownAlgorithm(vec![name.to_owned()]))?
            }
            None => DigestAlgorithm { hash: DigestHash::Md5, session: false },
        };
        let nonce = challenge.param("nonce").filter(|n| !n.is_empty()).ok_or(DigestError::NoNonce)?.to_owned();
        let mut qops = Vec::new();
        let mut unknown = Vec::new();
        if let Some(list) = challenge.param("qop") {
            for item in list.split(',').map(str::trim).filter(|q| !q.is_empty()) {
                match item.to_ascii_lowercase().as_str() {
                    "auth" => qops.push(Qop::Auth),
                    "auth-int" => qops.push(Qop::AuthInt),
                    _ => unknown.push(item.to_owned()),
                }
            }
            if qops.is_empty() && !unknown.is_empty() {
                return Err(DigestError::UnknownQop(unknown));
            }
        }
        let flag = |name: &str| challenge.param(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Ok(Self {
            realm: challenge.realm().unwrap_or_default().to_owned(),
            nonce,
            opaque: challenge.param("opaque").map(str::to_owned),
            algorithm,
            algorithm_named: named.is_some(),
            qops,
            userhash: flag("userhash"),
            stale: flag("stale"),
        })
    }

    /// How strong an answer to this challenge is, for picking among several.
    fn rank(&self) -> (DigestHash, bool, bool) {
        (self.algorithm.hash, self.qops.contains(&Qop::AuthInt), !self.qops.is_empty())
    }
}

/// The strongest `Digest` challenge among a response's challenges (RFC 7616 §3.7: a server may
/// offer one per algorithm, and the client should use the strongest it knows). A challenge with
/// an unknown algorithm is passed over; only when none is left does it say which were offered.
pub fn strongest(challenges: &[Challenge]) -> Result<DigestChallenge, DigestError> {
    let digest: Vec<&Challenge> = challenges.iter().filter(|c| c.is_scheme("Digest")).collect();
    if digest.is_empty() {
        return Err(DigestError::NoChallenge);
    }
    let mut best: Option<DigestChallenge> = None;
    let mut first_error = None;
    let mut unknown_algorithms = Vec::new();
    for challenge in digest {
        match DigestChallenge::from_challenge(challenge) {
            Ok(read) => {
                if best.as_ref().is_none_or(|b| read.rank() > b.rank()) {
                    best = Some(read);
                }
            }
            Err(DigestError::UnknownAlgorithm(names)) => unknown_algorithms.extend(names),
            Err(other) => first_error = first_error.or(Some(other)),
        }
    }
    best.ok_or_else(|| {
        if unknown_algorithms.is_empty() {
            first_error.unwrap_or(DigestError::NoChallenge)
        } else {
            DigestError::UnknownAlgorithm(unknown_algorithms)
        }
    })
}

/// The part of a request a Digest answer covers.
#[derive(Debug, Clone, Copy)]
pub struct DigestTarget<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The request target as sent: the path and the query (`/dir/index.html?x=1`).
    pub uri: &'a str,
    /// The body as sent (empty for none); signed only with `auth-int`.
    pub body: &'a [u8],
}

/// A challenge being answered, request after request: the server's nonce is reused with a
/// growing nonce count until the server says it is stale (RFC 7616 §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSession {
    challenge: DigestChallenge,
    nonce_count: u32,
}

impl DigestSession {
    pub fn new(challenge: DigestChallenge) -> Self {
        Self { challenge, nonce_count: 0 }
    }

    pub fn challenge(&self) -> &DigestChallenge {
        &self.challenge
    }

    /// The nonce count the last answer carried (0 before the first).
    pub fn nonce_count(&self) -> u32 {
        self.nonce_count
    }

    /// The `Authorization` value for one request, with the next nonce count. `cnonce` is the
    /// client's fresh random value ([`fresh_cnonce`]).
    pub fn authorize(&mut self, username: &str, password: &Secret, target: DigestTarget<'_>, cnonce: &str) -> Secret {
        self.nonce_count = self.nonce_count.wrapping_add(1);
        answer(&self.challenge, username, password, target, cnonce, self.nonce_count)
    }
}

/// A client nonce: 128 random bits as hex.
pub fn fresh_cnonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The `Authorization` value answering `challenge` (RFC 7616 §3.4.1).
pub fn answer(
    challenge: &DigestChallenge,
    username: &str,
    password: &Secret,
    target: DigestTarget<'_>,
    cnonce: &str,
    nonce_count: u32,
) -> Secret {
    let h = |text: &[u8]| challenge.algorithm.hash.hex(text);
    let realm = &challenge.realm;
    let nonce = &challenge.nonce;
    // auth-int when the server offers it and there is a body to protect (or it is all it offers).
    let qop = if challenge.qops.contains(&Qop::AuthInt)
        && (!target.body.is_empty() || !challenge.qops.contains(&Qop::Auth))
    {
        Some(Qop::AuthInt)
    } else if challenge.qops.contains(&Qop::Auth) {
        Some(Qop::Auth)
    } else {
        None
    };
    let mut a1 = zeroize::Zeroizing::new(format!("{username}:{realm}:{}", password.expose()));
    let mut ha1 = zeroize::Zeroizing::new(h(a1.as_bytes()));
    if challenge.algorithm.session {
        *a1 = format!("{}:{nonce}:{cnonce}", ha1.as_str());
        ha1 = zeroize::Zeroizing::new(h(a1.as_bytes()));
    }
    let a2 = match qop {
        Some(Qop::AuthInt) => format!("{}:{}:{}", target.method, target.uri, h(target.body)),
        _ => format!("{}:{}", target.method, target.uri),
    };
    let ha2 = h(a2.as_bytes());
    let nc = format!("{nonce_count:08x}");
    let response = match qop {
        Some(qop) => h(format!("{}:{nonce}:{nc}:{cnonce}:{}:{ha2}", ha1.as_str(), qop.name()).as_bytes()),
        None => h(format!("{}:{nonce}:{ha2}", ha1.as_str()).as_bytes()),
    };

    let mut out = String::from("Digest ");
    if challenge.userhash {
        out.push_str(&format!("username=\"{}\"", h(format!("{username}:{realm}").as_bytes())));
    } else if username.is_ascii() {
        out.push_str(&format!("username=\"{}\"", escape(username)));
    } else {
        // RFC 7616 §3.4.4 with RFC 8187's encoding: a name that is not ASCII goes as username*.
        let encoded: String = url::form_urlencoded::byte_serialize(username.as_bytes()).collect();
        out.push_str(&format!("username*=UTF-8''{}", encoded.replace('+', "%20")));
    }
    out.push_str(&format!(", realm=\"{}\", uri=\"{}\"", escape(realm), escape(target.uri)));
    if challenge.algorithm_named {
        out.push_str(&format!(", algorithm={}", challenge.algorithm));
    }
    out.push_str(&format!(", nonce=\"{}\"", escape(nonce)));
    if let Some(qop) = qop {
        out.push_str(&format!(", nc={nc}, cnonce=\"{}\", qop={}", escape(cnonce), qop.name()));
    } else if challenge.algorithm.session {
        out.push_str(&format!(", cnonce=\"{}\"", escape(cnonce)));
    }
    out.push_str(&format!(", response=\"{response}\""));
    if let Some(opaque) = &challenge.opaque {
        out.push_str(&format!(", opaque=\"{}\"", escape(opaque)));
    }
    if challenge.userhash {
        out.push_str(", userhash=true");
    }
    Secret::new(out)
}

/// A quoted-string's inside (RFC 9110 §5.6.4).
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The request target a Digest answer names: the path and the query, as sent.
pub fn request_target(url: &url::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(test)]
mod tests;
