//! `DPoP` on API requests (RFC 9449 §7): a profile whose access token is bound to its `DPoP`
//! key sends it as `Authorization: DPoP …` with a fresh proof (`htm`, `htu`, `iat`, `jti`,
//! `ath`) in the `DPoP` header; when the API asks for its nonce (`use_dpop_nonce`), the request
//! goes once more with a proof that carries it. The key stays in the keychain and here.

use super::{Workspace, WorkspaceError};
use crate::core::auth::dpop;
use crate::core::exchange::{Exchange, Outcome};
use crate::core::profile::{Profile, ProfileId, SecretRef};
use crate::core::request::{self, AppliedCredential, CredentialPlacement, PreparedRequest};
use crate::core::secret::Secret;
use std::sync::Arc;

impl Workspace {
    /// The profile's `DPoP` key, read from the keychain (it must be there once the profile names it).
    pub(super) async fn dpop_key(self: &Arc<Self>, slot: &SecretRef) -> Result<Secret, WorkspaceError> {
        let this = Arc::clone(self);
        let slot = slot.clone();
        tokio::task::spawn_blocking(move || this.secret_store().get(&slot))
            .await
            .map_err(super::stopped("reading the keychain"))??
            .ok_or(WorkspaceError::DpopKeyMissing)
    }

    /// Make a new `DPoP` key for a profile (the old one, if any, is replaced, and an OAuth
    /// profile's cached token with it). Returns its
    /// thumbprint: the `cnf.jkt` a token bound to it carries.
    pub fn new_dpop_key(&self, profile: &Profile) -> Result<String, WorkspaceError> {
        let key = dpop::generate_key()?;
        let thumbprint = dpop::key_thumbprint(&key)?;
        let slot = Profile::dpop_key_slot(&profile.id);
        self.secret_store().set(&slot, &key)?;
        // A token cached before was issued for no key or the old one: the next one is bound to this.
        if let Some(cache) = profile.auth.token_cache() {
            self.secret_store().delete(cache)?;
        }
        let mut updated = self.profile(&profile.id)?;
        updated.dpop_key = Some(slot);
        self.save_profile(&updated, None)?;
        Ok(thumbprint)
    }

    /// Stop binding a profile's tokens: its `DPoP` key leaves the keychain, and a token cached
    /// for it goes too (a bound token cannot be sent without the key).
    pub fn forget_dpop_key(&self, id: &ProfileId) -> Result<(), WorkspaceError> {
        let mut profile = self.profile(id)?;
        let Some(slot) = profile.dpop_key.take() else { return Ok(()) };
        self.secret_store().delete(&slot)?;
        if let Some(cache) = profile.auth.token_cache() {
            self.secret_store().delete(cache)?;
        }
        self.save_profile(&profile, None)?;
        Ok(())
    }

    /// The thumbprint of a profile's `DPoP` key, when it has one (blocks: keychain).
    pub fn dpop_thumbprint(&self, profile: &Profile) -> Result<Option<String>, WorkspaceError> {
        let Some(slot) = &profile.dpop_key else { return Ok(None) };
        match self.secret_store().get(slot)? {
            Some(key) => Ok(Some(dpop::key_thumbprint(&key)?)),
            None => Ok(None),
        }
    }
}

/// Send the token as DPoP-bound and put a fresh proof on the request (replacing any before).
pub(super) fn attach_dpop(
    prepared: &mut PreparedRequest,
    key: &Secret,
    nonce: Option<&str>,
) -> Result<(), WorkspaceError> {
    if let Some(applied) = prepared.credential.take() {
        prepared.credential = Some(request::dpop_bound(applied));
    }
    let token = match &prepared.credential {
        Some(AppliedCredential { placement: CredentialPlacement::Header { value, .. }, .. }) => {
            value.expose().strip_prefix("DPoP ").map(Secret::new)
        }
        _ => None,
    };
    let proof = dpop::proof(
        key,
        prepared.method.as_str(),
        &prepared.wire_url(),
        token.as_ref(),
        nonce,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )?;
    prepared.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("dpop"));
    prepared.headers.push(("DPoP".to_owned(), proof.expose().to_owned()));
    Ok(())
}

/// The nonce the API asked for, when its answer refused the proof for want of one.
pub(super) fn nonce_asked(exchange: &Exchange) -> Option<String> {
    let Outcome::Response(response) = &exchange.outcome else { return None };
    dpop::nonce_asked(response.status, &response.headers, &response.body)
}
