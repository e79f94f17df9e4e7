//! The send stage of AWS Signature Version 4: the request is signed as the last thing before
//! it goes, over exactly what will be sent (method, address, headers, body with its secrets
//! filled in), so nothing changes after the signature. The secret access key goes no further
//! than the signer; the session token of temporary credentials rides as `X-Amz-Security-Token`.

use super::{Workspace, WorkspaceError};
use crate::core::auth::sigv4::{self, SigV4Request};
use crate::core::profile::{AuthMethod, Profile, SigV4Placement};
use crate::core::request::{self, PreparedRequest};
use crate::core::secret::Secret;
use std::sync::Arc;

impl Workspace {
    /// Sign `prepared` (its credential not attached yet) with the profile's keys, at `now`.
    /// `wire_body` is the body exactly as it will be sent.
    pub(super) async fn sign_aws(
        self: &Arc<Self>,
        profile: &Profile,
        prepared: &mut PreparedRequest,
        secret_access_key: &Secret,
        wire_body: Option<&[u8]>,
        now: std::time::SystemTime,
    ) -> Result<(), WorkspaceError> {
        let AuthMethod::AwsSigV4(settings) = &profile.auth else {
            return Err(WorkspaceError::NotThisMethod { profile: profile.name.clone(), wanted: "AWS Signature V4" });
        };
        let this = Arc::clone(self);
        let slot = settings.session_token.clone();
        let session_token = tokio::task::spawn_blocking(move || this.secret_store().get(&slot))
            .await
            .map_err(super::stopped("reading the keychain"))??
            .filter(|t| !t.is_empty());
        let url = prepared.url.clone();
        let signed = sigv4::sign(
            settings,
            secret_access_key,
            session_token.as_ref(),
            SigV4Request {
                method: prepared.method.as_str(),
                url: &url,
                headers: &prepared.headers,
                body: wire_body.unwrap_or_default(),
            },
            now,
        )?;
        prepared.headers.extend(signed.headers);
        match settings.placement {
            SigV4Placement::Header => {
                if let Some(token) = &signed.session_token {
                    prepared.headers.push((sigv4::SESSION_TOKEN_NAME.to_owned(), token.expose().to_owned()));
                }
                let authorization = signed
                    .authorization
                    .ok_or_else(|| WorkspaceError::Other("The AWS signer made no Authorization header.".to_owned()))?;
                prepared.credential = request::apply_credential(&profile.auth, Some(&authorization))?;
            }
            SigV4Placement::Query => {
                {
                    let mut pairs = prepared.url.query_pairs_mut();
                    for (name, value) in &signed.query {
                        pairs.append_pair(name, value);
                    }
                    if let Some(token) = &signed.session_token {
                        pairs.append_pair(sigv4::SESSION_TOKEN_NAME, token.expose());
                    }
                }
                prepared.credential = request::apply_credential(&profile.auth, Some(&signed.signature))?;
            }
        }
        Ok(())
    }
}
