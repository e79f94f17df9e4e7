//! The send stage of HTTP Digest: the challenge and its answer (RFC 7616 §3.3–3.4).
//!
//! ```text
//! a nonce kept from before? ── yes ─> answer it (next nonce count) ─┐
//!        │ no                                                       │
//!        └─> send without a credential ─> 401 + Digest challenge ───┤
//!                                                                   v
//!                         answer the strongest challenge, send again ─> 401 stale=true ─> once more
//!                                                                    └> 401 otherwise ─> stop: the
//!                                                                       password is refused
//! ```
//!
//! The server's nonce is kept in memory per profile and origin and reused, nonce count rising,
//! until the server says it is stale; it never goes to disk. The password stays in this
//! function: only the answer (a hash) is attached to the request.

use super::{Workspace, WorkspaceError};
use crate::core::auth::digest::{self, DigestSession, DigestTarget};
use crate::core::diagnose::observe::{SentRequest, observe_prepared};
use crate::core::exchange::{Exchange, Outcome, RequestId};
use crate::core::profile::{AuthMethod, Profile, ProfileId};
use crate::core::request::{self, PreparedRequest};
use crate::core::secret::{Secret, SecretSlip};
use crate::infra::http::HttpClient;
use std::collections::HashMap;
use std::sync::Mutex;

/// Challenges being answered, per profile and origin (`https://api.example.com:443`).
#[derive(Default)]
pub(super) struct DigestSessions(Mutex<HashMap<(ProfileId, String), DigestSession>>);

impl DigestSessions {
    fn take(&self, key: &(ProfileId, String)) -> Option<DigestSession> {
        self.0.lock().ok().and_then(|mut map| map.remove(key))
    }

    fn keep(&self, key: (ProfileId, String), session: DigestSession) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(key, session);
        }
    }

    /// Forget a profile's nonces (its password or username changed).
    pub(super) fn forget(&self, profile: &ProfileId) {
        if let Ok(mut map) = self.0.lock() {
            map.retain(|(id, _), _| id != profile);
        }
    }
}

/// The most requests one Digest send makes: the first, the answer to a new challenge, and one
/// more when the server says the nonce of that answer went stale meanwhile.
const MAX_LEGS: usize = 3;

impl Workspace {
    /// Send `prepared` (its credential not attached yet) with the profile's Digest password,
    /// answering the server's challenge. Returns the last exchange and the request it carried,
    /// observed for the explanation before the body's secrets were filled in (`wire_body`).
    pub(super) async fn send_digest(
        &self,
        http: &HttpClient,
        profile: &Profile,
        mut prepared: PreparedRequest,
        password: &Secret,
        wire_body: Option<Vec<u8>>,
        id: RequestId,
    ) -> Result<(Exchange, SentRequest), WorkspaceError> {
        let AuthMethod::Digest { username, .. } = &profile.auth else {
            return Err(WorkspaceError::NotThisMethod { profile: profile.name.clone(), wanted: "HTTP Digest" });
        };
        if let Some(slip) = password.formatting_slip().filter(|s| *s != SecretSlip::SurroundingSpaces) {
            return Err(request::PrepareError::SecretSlip {
                what: profile.auth.secret_label().to_owned(),
                slip: slip.describe().to_owned(),
            }
            .into());
        }
        let key = (profile.id.clone(), prepared.url.origin().ascii_serialization());
        let method = prepared.method.as_str();
        let uri = digest::request_target(&prepared.wire_url());
        let shown_body = prepared.body.take();
        let mut session = self.digest_sessions.take(&key);
        // Was the session's challenge received during this send? Then a refusal is final.
        let mut fresh = false;
        let mut legs = 0;
        loop {
            legs += 1;
            prepared.credential = match session.as_mut() {
                Some(session) => {
                    let target = DigestTarget { method, uri: &uri, body: wire_body.as_deref().unwrap_or_default() };
                    let answer = session.authorize(username, password, target, &digest::fresh_cnonce());
                    request::apply_credential(&profile.auth, Some(&answer))?
                }
                None => None,
            };
            prepared.body.clone_from(&shown_body);
            let sent = observe_prepared(crate::core::diagnose::Knowledge::builtin(), &prepared);
            prepared.body.clone_from(&wire_body);
            let exchange = http.send(&prepared, id).await;
            let Outcome::Response(response) = &exchange.outcome else { return Ok((exchange, sent)) };
            if response.status != 401 {
                if let Some(session) = session {
                    self.digest_sessions.keep(key, session);
                }
                return Ok((exchange, sent));
            }
            let challenges =
                crate::core::challenge::from_headers(response.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            let challenge = match digest::strongest(&challenges) {
                Ok(challenge) => challenge,
                // The API wants another kind of sign-in: the explanation says so.
                Err(digest::DigestError::NoChallenge) => return Ok((exchange, sent)),
                Err(other) => return Err(other.into()),
            };
            let answered = session.is_some();
            // An answer to a challenge of this very send was refused, and not for a stale
            // nonce: the username or password is wrong. Asking again would only repeat it.
            if (answered && fresh && !challenge.stale) || legs >= MAX_LEGS {
                tracing::info!(id = id.0, legs, "the server refused the Digest answer");
                return Ok((exchange, sent));
            }
            tracing::info!(id = id.0, stale = challenge.stale, algorithm = %challenge.algorithm, "answering a Digest challenge");
            session = Some(DigestSession::new(challenge));
            fresh = true;
        }
    }
}
