//! "Check setup" as a use case: gather what is known about each profile (keychain, token, client
//! certificate, a probe request, history) off the UI thread, then let `core::check` judge it.
//! Profiles are checked concurrently, so a run takes about as long as its slowest probe.

use super::{ForeignHostChoice, SendOutcome, SendRequest, TokenPolicy, Workspace, WorkspaceError};
use crate::core::check::{CheckInput, Policy, Probe, ProfileCheck, SecretState, check_profile};
use crate::core::exchange::{Outcome, RequestId};
use crate::core::profile::{AuthMethod, Profile, ProfileId};
use crate::core::request::RequestDraft;
use std::sync::Arc;

impl Workspace {
    /// Check one profile now. Blocking work runs on tokio's blocking pool; the probe goes over
    /// the network like any request (and is recorded in history).
    pub async fn check_profile(
        self: &Arc<Self>,
        id: &ProfileId,
        policy: Policy,
    ) -> Result<ProfileCheck, WorkspaceError> {
        let input = self.gather(id).await?;
        Ok(check_profile(&input, &policy))
    }

    /// Check these profiles (every profile when empty) at once; results in the profiles' order.
    pub async fn check_profiles(
        self: &Arc<Self>,
        ids: &[ProfileId],
        policy: Policy,
    ) -> Vec<(ProfileId, Result<ProfileCheck, String>)> {
        let ids: Vec<ProfileId> = if ids.is_empty() {
            match self.load_profiles() {
                Ok(loaded) => loaded.file.profiles.into_iter().map(|p| p.id).collect(),
                Err(e) => return vec![(ProfileId(String::new()), Err(e.to_string()))],
            }
        } else {
            ids.to_vec()
        };
        let tasks: Vec<_> = ids
            .iter()
            .map(|id| {
                let this = Arc::clone(self);
                let id = id.clone();
                tokio::spawn(async move { this.check_profile(&id, policy).await.map_err(|e| e.to_string()) })
            })
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for (id, task) in ids.into_iter().zip(tasks) {
            let result = task.await.unwrap_or_else(|e| Err(format!("the check stopped: {e}")));
            out.push((id, result));
        }
        out
    }

    async fn gather(self: &Arc<Self>, id: &ProfileId) -> Result<CheckInput, WorkspaceError> {
        let this = Arc::clone(self);
        let id_for_blocking = id.clone();
        let (profile, secret, second_secret, dpop_key, request_needs) =
            tokio::task::spawn_blocking(move || -> Result<_, WorkspaceError> {
                let profile = this.profile(&id_for_blocking)?;
                let public_client = profile.auth.user_sign_in().is_some();
                let secret = match profile.auth.secret_ref() {
                    Some(slot) if !public_client => match this.secret_store().get(slot) {
                        Ok(Some(value)) => SecretState::Present(value),
                        Ok(None) => SecretState::Missing,
                        Err(e) => SecretState::Unreadable(e.to_string()),
                    },
                    _ => SecretState::NotNeeded,
                };
                let second_slot = match &profile.auth {
                    AuthMethod::OAuth1(o)
                        if !o.token.trim().is_empty() && o.method != crate::core::profile::OAuth1Method::RsaSha1 =>
                    {
                        Some(&o.token_secret)
                    }
                    AuthMethod::AwsSigV4(s) => Some(&s.session_token),
                    _ => None,
                };
                let second_secret = match second_slot {
                    Some(slot) => Some(this.secret_store().get(slot)?.is_some_and(|v| !v.is_empty())),
                    None => None,
                };
                let dpop_key = if profile.dpop_key.is_some() { Some(this.dpop_thumbprint(&profile)?) } else { None };
                let request_needs = this.request_needs(&profile);
                Ok((profile, secret, second_secret, dpop_key, request_needs))
            })
            .await
            .map_err(super::stopped("checking the profile"))??;

        let (token, renewable) = self.check_token(&profile).await;
        let now = time::OffsetDateTime::now_utc();
        let certificate = profile.client_certificate.as_ref().map(|identity| {
            crate::core::certificate::facts_from_pem(&identity.certificate_pem, now).map_err(|e| e.to_string())
        });
        let probe = match profile.check_path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(path) => Some(self.probe(&profile, path).await),
            None => None,
        };
        // Read after the probe, so a probe that just worked counts.
        let this = Arc::clone(self);
        let profile_id = profile.id.0.clone();
        let last_success = tokio::task::spawn_blocking(move || -> Result<Option<i64>, WorkspaceError> {
            Ok(this.history()?.last_success_for_profile(&profile_id)?)
        })
        .await
        .map_err(super::stopped("checking the profile"))??;
        Ok(CheckInput {
            secret_set_at: profile.secret_change.as_ref().map(|c| c.set_at),
            profile,
            secret,
            token,
            renewable,
            certificate,
            probe,
            last_success,
            second_secret,
            dpop_key,
            request_needs,
        })
    }

    /// The token the profile would send now, and whether it renews itself.
    async fn check_token(
        self: &Arc<Self>,
        profile: &Profile,
    ) -> (Option<Result<crate::core::secret::Secret, String>>, Option<bool>) {
        match &profile.auth {
            AuthMethod::Bearer { .. } | AuthMethod::SignedJwt(_) => {
                let this = Arc::clone(self);
                let id = profile.id.clone();
                let token = tokio::task::spawn_blocking(move || this.profile_token(&id))
                    .await
                    .map_err(|e| WorkspaceError::Other(e.to_string()))
                    .and_then(|r| r);
                match token {
                    Ok(Some(token)) => (Some(Ok(token)), None),
                    // The missing secret is its own row.
                    Ok(None) => (None, None),
                    Err(e) => (Some(Err(e.to_string())), None),
                }
            }
            AuthMethod::OAuthClientCredentials(_) => {
                let token = self.access_token(&profile.id, TokenPolicy::ReuseIfFresh).await;
                (Some(token.map(|(t, _)| t).map_err(|e| e.to_string())), Some(true))
            }
            AuthMethod::OAuthAuthorizationCode(_) | AuthMethod::OAuthDevice(_) => {
                let this = Arc::clone(self);
                let id = profile.id.clone();
                let has_refresh = tokio::task::spawn_blocking(move || -> Result<bool, WorkspaceError> {
                    let profile = this.profile(&id)?;
                    Ok(match profile.auth.token_cache() {
                        Some(cache) => this.cached_token(cache)?.is_some_and(|t| t.refresh_token.is_some()),
                        None => false,
                    })
                })
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(false);
                let token = self.access_token(&profile.id, TokenPolicy::ReuseIfFresh).await;
                (Some(token.map(|(t, _)| t).map_err(|e| e.to_string())), Some(has_refresh))
            }
            AuthMethod::None
            | AuthMethod::ApiKey { .. }
            | AuthMethod::Basic { .. }
            | AuthMethod::Digest { .. }
            | AuthMethod::AwsSigV4(_)
            | AuthMethod::OAuth1(_) => (None, None),
        }
    }

    /// Send GET `path` with the profile, as a person would; never to a host outside the allowed ones.
    async fn probe(self: &Arc<Self>, profile: &Profile, path: &str) -> Probe {
        let request = SendRequest {
            id: RequestId::CHECK_PROBE,
            profile: profile.id.clone(),
            draft: RequestDraft::get(path),
            production_write_confirmed: false,
            foreign_host: ForeignHostChoice::SendWithoutCredential,
            origin: crate::core::history::SendOrigin::Check,
            required_scopes: Vec::new(),
        };
        match self.send(request).await {
            Ok(SendOutcome::Sent { exchange, explained, .. }) => {
                let top = explained.diagnosis.findings.first();
                // The explanation card's headline and first step for the row's "To do"; its
                // explanation and every step to read right in the check.
                let headline = top.map(|f| match f.next_steps.first() {
                    Some(step) => format!("{} {step}", with_stop(&f.title)),
                    None => with_stop(&f.title),
                });
                let details = top
                    .map(|f| {
                        let mut lines = vec![f.explanation.clone()];
                        lines.extend(f.next_steps.iter().map(|step| format!("To do: {step}")));
                        lines
                    })
                    .unwrap_or_default();
                let (outcome, network) = match &exchange.outcome {
                    Outcome::Response(response) => (Ok(response.status), false),
                    Outcome::Failed(e) => (Err(e.to_string()), true),
                };
                Probe { method: "GET".into(), path: path.to_owned(), outcome, explanation: headline, details, network }
            }
            other => {
                let why = match other {
                    Ok(SendOutcome::NeedsConfirmation(_)) => "it needs a confirmation first".to_owned(),
                    Err(e) => e.to_string(),
                    Ok(SendOutcome::Sent { .. }) => String::new(),
                };
                Probe {
                    method: "GET".into(),
                    path: path.to_owned(),
                    outcome: Err(why),
                    explanation: None,
                    details: Vec::new(),
                    network: false,
                }
            }
        }
    }
}

/// A headline as a sentence: ending with a full stop.
fn with_stop(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) { text.to_owned() } else { format!("{text}.") }
}
