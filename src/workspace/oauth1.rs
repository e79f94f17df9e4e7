//! The send stage of OAuth 1.0a: the request is signed last, over the address and form body
//! exactly as sent, with a fresh nonce and the current time. The consumer secret and the token
//! secret go no further than the signer; the protocol parameters go where the profile says.

use super::{Workspace, WorkspaceError};
use crate::core::auth::oauth1::{self, OAuth1Request};
use crate::core::profile::{AuthMethod, OAuth1Placement, Profile};
use crate::core::request::{self, PreparedRequest};
use crate::core::secret::Secret;
use std::sync::Arc;

impl Workspace {
    /// Sign `prepared` (its credential not attached yet). `wire_body` is the body as it will be
    /// sent; with body placement the parameters are added to it, and the new body is returned.
    pub(super) async fn sign_oauth1(
        self: &Arc<Self>,
        profile: &Profile,
        prepared: &mut PreparedRequest,
        consumer_secret: &Secret,
        wire_body: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, WorkspaceError> {
        let AuthMethod::OAuth1(settings) = &profile.auth else {
            return Err(WorkspaceError::NotThisMethod { profile: profile.name.clone(), wanted: "OAuth 1.0a" });
        };
        let this = Arc::clone(self);
        let slot = settings.token_secret.clone();
        let token_secret = tokio::task::spawn_blocking(move || this.secret_store().get(&slot))
            .await
            .map_err(super::stopped("reading the keychain"))??
            .filter(|t| !t.is_empty());
        let is_form = prepared.headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("content-type")
                && v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        });
        let form_body = wire_body.as_deref().filter(|_| is_form);
        let url = prepared.url.clone();
        let signed = oauth1::sign(
            settings,
            consumer_secret,
            token_secret.as_ref(),
            OAuth1Request { method: prepared.method.as_str(), url: &url, form_body },
            time::OffsetDateTime::now_utc().unix_timestamp(),
            &oauth1::fresh_nonce(),
        )?;
        match settings.placement {
            OAuth1Placement::Header => {
                let authorization = signed.authorization.unwrap_or_else(|| Secret::new(""));
                prepared.credential = request::apply_credential(&profile.auth, Some(&authorization))?;
                Ok(wire_body)
            }
            OAuth1Placement::Query => {
                {
                    let mut pairs = prepared.url.query_pairs_mut();
                    for (name, value) in &signed.params {
                        pairs.append_pair(name, value);
                    }
                }
                prepared.credential = request::apply_credential(&profile.auth, Some(&signed.signature))?;
                Ok(wire_body)
            }
            OAuth1Placement::Body => {
                // The parameters join the form's fields; the signature rides only in the body
                // that goes out, never in the one shown or kept.
                let mut body = wire_body.unwrap_or_default();
                let mut extra = url::form_urlencoded::Serializer::new(String::new());
                for (name, value) in &signed.params {
                    extra.append_pair(name, value);
                }
                extra.append_pair("oauth_signature", signed.signature.expose());
                if !body.is_empty() {
                    body.push(b'&');
                }
                body.extend_from_slice(extra.finish().as_bytes());
                prepared.credential = None;
                Ok(Some(body))
            }
        }
    }
}
