//! The send use case, in the stages a request goes through:
//!
//! ```text
//! load     profile, secrets from the keychain, the HTTP client (blocking, on a worker thread)
//! prepare  draft -> PreparedRequest (an OAuth token waits until the gates are passed)
//! gate     Production write? a credential to another origin? -> ask, nothing sent
//! send     OAuth token got, body secrets filled in last, sent; once more after a refused token
//! observe  the request as sent, through the credential rule, for the explanation
//! record   the masked record to history, and the explanation with this profile's past
//! ```

use super::{
    ForeignHostChoice, HISTORY_FOR_DIAGNOSIS, SendOutcome, SendRequest, TokenPolicy, Workspace, WorkspaceError,
};
use crate::core::diagnose::observe::{SentRequest, observe_prepared};
use crate::core::diagnose::{Explained, Knowledge};
use crate::core::exchange::{Exchange, Outcome};
use crate::core::history::HistoryEntry;
use crate::core::profile::{AuthMethod, Profile};
use crate::core::request::{self, BodyDraft, Gate, PrepareError, PreparedRequest};
use crate::core::secret::Secret;
use crate::infra::http::HttpClient;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a dry run found: the request as it would go out (masked), the gates it would meet.
#[derive(Debug)]
pub struct DryRun {
    pub record: crate::core::exchange::RequestRecord,
    pub gates: Vec<Gate>,
    /// An OAuth profile with no access token cached: the record shows no credential, and a
    /// real send would get one first.
    pub token_not_cached: bool,
    /// The body as it would go, credentials masked (long bodies cut).
    pub body: Option<crate::core::credential::Masked>,
}

/// What the load stage read: everything the later stages need, secrets included.
struct Loaded {
    profile: Profile,
    /// The profile's credential as it goes out (a signed JWT made now); None for OAuth, whose
    /// token is got after the gates, and when the draft sends no credential.
    secret: Option<Secret>,
    http: HttpClient,
    /// Values for the body's `{{secret:name}}` places.
    body_secrets: BTreeMap<String, Secret>,
    /// The credential is an OAuth access token, got once the gates are passed.
    oauth: bool,
    /// A Digest password, an AWS secret access key or OAuth 1.0a secrets: the answer or the
    /// signature is made over the request exactly as it is sent, once the gates are passed.
    signing_secret: Option<Secret>,
}

impl Workspace {
    /// Load the profile and its secret, prepare, check the gates, send, record history.
    /// An OAuth profile's access token is taken from the cache or obtained first; after a 401
    /// `invalid_token` a new one is obtained and the request is sent once more.
    pub async fn send(self: &Arc<Self>, request: SendRequest) -> Result<SendOutcome, WorkspaceError> {
        let loaded = self.load_for_send(&request).await?;
        let mut prepared = prepare_stage(&request, &loaded)?;
        let (waiting, credential_goes) = gate_stage(&request, &loaded, &mut prepared);
        if !waiting.is_empty() {
            return Ok(SendOutcome::NeedsConfirmation(waiting));
        }
        let (exchange, sent) = self.send_stage(&request, &loaded, prepared, credential_goes).await?;
        tracing::info!(id = request.id.0, status = ?exchange.status(), ms = exchange.duration.as_millis(), "received");
        let (explained, history_warning) = self.record_stage(&request, &loaded.profile, sent, &exchange).await;
        Ok(SendOutcome::Sent { exchange: Box::new(exchange), explained: Box::new(explained), history_warning })
    }

    /// What `send` would put on the wire, masked, and the questions it would ask first; nothing
    /// is sent. An OAuth profile shows its cached access token; none is asked for.
    pub async fn dry_run(self: &Arc<Self>, request: SendRequest) -> Result<DryRun, WorkspaceError> {
        let loaded = self.load_for_send(&request).await?;
        let mut prepared = prepare_stage(&request, &loaded)?;
        let (gates, credential_goes) = gate_stage(&request, &loaded, &mut prepared);
        let mut token_not_cached = false;
        if loaded.oauth && credential_goes {
            match self.cached_token_value(&loaded.profile).await? {
                Some(token) => prepared.attach(request::apply_credential(&loaded.profile.auth, Some(&token))?),
                None => token_not_cached = true,
            }
        }
        Ok(DryRun {
            record: crate::core::exchange::RequestRecord::from_prepared(&prepared),
            gates,
            token_not_cached,
            body: prepared.display_body(),
        })
    }

    async fn cached_token_value(self: &Arc<Self>, profile: &Profile) -> Result<Option<Secret>, WorkspaceError> {
        let Some(cache) = profile.auth.token_cache().cloned() else { return Ok(None) };
        let this = Arc::clone(self);
        let cached = tokio::task::spawn_blocking(move || this.cached_token(&cache))
            .await
            .map_err(super::stopped("reading the keychain"))??;
        Ok(cached.map(|t| t.access_token))
    }

    /// Load: the profile, its secret, the body's secrets, the HTTP client for its TLS extras.
    async fn load_for_send(self: &Arc<Self>, request: &SendRequest) -> Result<Loaded, WorkspaceError> {
        let this = Arc::clone(self);
        let profile_id = request.profile.clone();
        let send_credential = request.draft.send_credential;
        let uses_body_secrets = body_mentions_secrets(&request.draft.body) || rows_mention_secrets(&request.draft);
        let (profile, secret, http, body_secrets) =
            tokio::task::spawn_blocking(move || -> Result<_, WorkspaceError> {
                let started = std::time::Instant::now();
                let profile = this.profile(&profile_id)?;
                // Secrets the request names as {{secret:name}}: read only when it names some.
                let mut body_secrets = BTreeMap::new();
                if uses_body_secrets {
                    for (name, slot) in &profile.secret_variables {
                        if let Some(value) = this.secret_store().get(slot)? {
                            body_secrets.insert(name.clone(), value);
                        }
                    }
                }
                // The client certificate belongs to the connection, so it goes even when the
                // request's own credential is left off. Clients are built once per identity.
                let http = this.http_client()?.with_tls(&this.tls_extras(&profile)?)?;
                let secret = match (send_credential, &profile.auth) {
                    // The client secret goes to the token endpoint only; the token is got later.
                    (false, _) => None,
                    (true, auth) if auth.is_oauth() => None,
                    (true, auth) => match auth.secret_ref() {
                        Some(slot) => this.secret_store().get(slot)?,
                        None => None,
                    },
                };
                tracing::debug!(
                    has_secret = secret.is_some(),
                    client_certificate = profile.client_certificate.is_some(),
                    ms = started.elapsed().as_secs_f64() * 1000.0,
                    "profile and secret loaded"
                );
                Ok((profile, secret, http, body_secrets))
            })
            .await
            .map_err(super::stopped("sending the request"))??;
        // A signed JWT is made fresh for each request; the signing key goes no further.
        let secret = match (&profile.auth, secret) {
            (AuthMethod::SignedJwt(settings), Some(key)) => {
                Some(crate::core::token::mint::mint(settings, &key, time::OffsetDateTime::now_utc().unix_timestamp())?)
            }
            (_, secret) => secret,
        };
        let oauth = send_credential && profile.auth.is_oauth();
        let signs = send_credential
            && matches!(profile.auth, AuthMethod::Digest { .. } | AuthMethod::AwsSigV4(_) | AuthMethod::OAuth1(_));
        let (secret, signing_secret) = if signs { (None, secret) } else { (secret, None) };
        Ok(Loaded { profile, secret, http, body_secrets, oauth, signing_secret })
    }

    /// Send: get the OAuth token now that the gates are passed, fill the body's secrets in last
    /// (after the request was observed), send; after a refused token, once more with a new one.
    async fn send_stage(
        self: &Arc<Self>,
        request: &SendRequest,
        loaded: &Loaded,
        mut prepared: PreparedRequest,
        credential_goes: bool,
    ) -> Result<(Exchange, SentRequest), WorkspaceError> {
        if loaded.oauth && credential_goes {
            let (token, _) = self.profile_access_token(&loaded.profile, TokenPolicy::ReuseIfFresh).await?;
            prepared.attach(request::apply_credential(&loaded.profile.auth, Some(&token))?);
        }
        // A token bound to the profile's DPoP key goes as DPoP, with a fresh proof.
        let dpop_key = match &loaded.profile.dpop_key {
            Some(slot) if prepared.credential.is_some() && loaded.profile.auth.carries_access_token() => {
                Some(self.dpop_key(slot).await?)
            }
            _ => None,
        };
        if let Some(key) = &dpop_key {
            super::dpop::attach_dpop(&mut prepared, key, None)?;
        }
        tracing::info!(id = request.id.0, method = prepared.method.as_str(), url = %prepared.display_url(), "sending");
        if let (Some(key), true) = (&loaded.signing_secret, credential_goes) {
            return self.send_signed(request, loaded, prepared, key).await;
        }
        let mut sent = observe_prepared(Knowledge::builtin(), &prepared);
        fill_body_secrets(&mut prepared, &request.draft.body, &loaded.body_secrets)?;
        fill_row_secrets(&mut prepared, &request.draft, &loaded.body_secrets)?;
        let mut exchange = loaded.http.send(&prepared, request.id).await;
        let mut nonce = None;
        if let Some(key) = &dpop_key
            && let Some(asked) = super::dpop::nonce_asked(&exchange)
        {
            tracing::info!(id = request.id.0, "the API asked for its DPoP nonce; sending once more with it");
            super::dpop::attach_dpop(&mut prepared, key, Some(&asked))?;
            nonce = Some(asked);
            exchange = loaded.http.send(&prepared, request.id).await;
        }
        if loaded.oauth && prepared.credential.is_some() && token_refused(&exchange) {
            tracing::info!(id = request.id.0, "the API refused the access token; getting a new one and retrying once");
            let (token, _) = self.profile_access_token(&loaded.profile, TokenPolicy::GetNew).await?;
            prepared.attach(request::apply_credential(&loaded.profile.auth, Some(&token))?);
            drop(token);
            if let Some(key) = &dpop_key {
                super::dpop::attach_dpop(&mut prepared, key, nonce.as_deref())?;
            }
            sent = observe_prepared(Knowledge::builtin(), &prepared);
            exchange = loaded.http.send(&prepared, request.id).await;
        }
        Ok((exchange, sent))
    }

    /// Send with a signing method (Digest, AWS Signature V4, OAuth 1.0a): signed last, over the
    /// request exactly as it goes out, body secrets filled in; observed before they were.
    async fn send_signed(
        self: &Arc<Self>,
        request: &SendRequest,
        loaded: &Loaded,
        mut prepared: PreparedRequest,
        key: &Secret,
    ) -> Result<(Exchange, SentRequest), WorkspaceError> {
        prepared.credential = None;
        // Header and query secrets are part of what is signed: filled in first.
        fill_row_secrets(&mut prepared, &request.draft, &loaded.body_secrets)?;
        let mut filled = prepared.body.clone();
        if let (true, Some(body)) = (body_mentions_secrets(&request.draft.body), &filled) {
            filled = Some(
                request::fill_secret_variables(body, &request.draft.body, &loaded.body_secrets)
                    .map_err(|name| PrepareError::UnknownSecretVariable { name, allowed_here: true })?,
            );
            prepared.body_secrets = loaded.body_secrets.values().cloned().collect();
        }
        let profile = &loaded.profile;
        match profile.auth {
            AuthMethod::OAuth1(_) => {
                let wire = self.sign_oauth1(profile, &mut prepared, key, filled).await?;
                let sent = observe_prepared(Knowledge::builtin(), &prepared);
                prepared.body = wire;
                Ok((loaded.http.send(&prepared, request.id).await, sent))
            }
            AuthMethod::AwsSigV4(_) => {
                self.sign_aws(profile, &mut prepared, key, filled.as_deref(), std::time::SystemTime::now()).await?;
                let sent = observe_prepared(Knowledge::builtin(), &prepared);
                prepared.body = filled;
                Ok((loaded.http.send(&prepared, request.id).await, sent))
            }
            _ => self.send_digest(&loaded.http, profile, prepared, key, filled, request.id).await,
        }
    }

    /// Record: the masked record in history, then the explanation with this profile's past.
    async fn record_stage(
        self: &Arc<Self>,
        request: &SendRequest,
        profile: &Profile,
        sent: SentRequest,
        exchange: &Exchange,
    ) -> (Explained, Option<String>) {
        let rule = crate::core::credential::Rule::for_auth(&profile.auth);
        let entry = HistoryEntry {
            id: 0,
            sent_at: exchange.started_at.unix_timestamp(),
            profile_id: profile.id.0.clone(),
            profile_name: profile.name.clone(),
            environment: profile.environment.label().to_owned(),
            method: exchange.record.method.as_str().to_owned(),
            url: exchange.record.url.as_str().to_owned(),
            status: exchange.status(),
            duration_ms: u64::try_from(exchange.duration.as_millis()).unwrap_or(u64::MAX),
            // Transport errors were masked when they were made; masked again, as they are stored.
            error: match &exchange.outcome {
                Outcome::Failed(e) => Some(rule.mask_text(&e.to_string()).into_string()),
                Outcome::Response(_) => None,
            },
            draft: request::redacted_draft(&request.draft, &rule),
            origin: request.origin,
        };
        let this = Arc::clone(self);
        let (earlier, recorded) = tokio::task::spawn_blocking(move || {
            let earlier = this.recent_history(HISTORY_FOR_DIAGNOSIS).unwrap_or_default();
            (earlier, this.record_history(&entry))
        })
        .await
        .unwrap_or_else(|e| (Vec::new(), Err(super::stopped("saving the history")(e))));
        let history_warning =
            recorded.err().map(|e| format!("The request was sent, but it could not be saved in history: {e}"));
        tracing::debug!("history written");
        // A saved request's required permissions count as expected ones, so a missing one is named.
        let mut expecting = profile.clone();
        for scope in &request.required_scopes {
            if !expecting.expected_scopes.contains(scope) {
                expecting.expected_scopes.push(scope.clone());
            }
        }
        let explained = crate::core::diagnose::explain_exchange(sent, exchange, &expecting, &earlier);
        (explained, history_warning)
    }
}

/// Prepare: the draft with the profile's credential, unless it is an OAuth token still to get.
fn prepare_stage(request: &SendRequest, loaded: &Loaded) -> Result<PreparedRequest, WorkspaceError> {
    if loaded.oauth || loaded.signing_secret.is_some() {
        return Ok(request::prepare_without_credential(&request.draft, &loaded.profile)?);
    }
    Ok(request::prepare(&request.draft, &loaded.profile, loaded.secret.as_ref())?)
}

/// Gate: the questions still unanswered, and whether the profile's credential still goes. A
/// foreign host answered "without the credential" drops it (and every typed credential header).
fn gate_stage(request: &SendRequest, loaded: &Loaded, prepared: &mut PreparedRequest) -> (Vec<Gate>, bool) {
    let credential_will_go = prepared.credential.is_some() || loaded.oauth || loaded.signing_secret.is_some();
    let mut waiting = Vec::new();
    let mut drop_credential = false;
    for gate in prepared.gates_with(&loaded.profile, credential_will_go) {
        match gate {
            Gate::ProductionWrite { .. } if !request.production_write_confirmed => waiting.push(gate),
            Gate::ForeignHost { .. } => match request.foreign_host {
                ForeignHostChoice::Ask => waiting.push(gate),
                ForeignHostChoice::SendWithoutCredential => drop_credential = true,
                ForeignHostChoice::SendWithCredential => {}
            },
            Gate::ProductionWrite { .. } => {}
        }
    }
    if drop_credential && waiting.is_empty() {
        prepared.drop_credentials();
    }
    (waiting, credential_will_go && !drop_credential)
}

/// Fill the body's keychain secrets in, the last thing before sending; the request then knows
/// it carries them (a redirect to another origin will not re-send it).
fn fill_body_secrets(
    prepared: &mut PreparedRequest,
    draft_body: &BodyDraft,
    values: &BTreeMap<String, Secret>,
) -> Result<(), WorkspaceError> {
    if !body_mentions_secrets(draft_body) {
        return Ok(());
    }
    if let Some(body) = &prepared.body {
        let filled = request::fill_secret_variables(body, draft_body, values)
            .map_err(|name| PrepareError::UnknownSecretVariable { name, allowed_here: true })?;
        prepared.body = Some(filled);
        prepared.body_secrets = values.values().cloned().collect();
    }
    Ok(())
}

/// Do the request's header or query values name a keychain secret?
fn rows_mention_secrets(draft: &crate::core::request::RequestDraft) -> bool {
    draft.headers.iter().chain(&draft.query).any(|row| row.enabled && request::mentions_secret(&row.value))
}

/// Fill the keychain secrets named in header and query values, the last thing before sending
/// (or signing); the request then knows their values, so they are masked wherever it is shown
/// and not sent on to another origin.
fn fill_row_secrets(
    prepared: &mut PreparedRequest,
    draft: &crate::core::request::RequestDraft,
    values: &BTreeMap<String, Secret>,
) -> Result<(), WorkspaceError> {
    if !rows_mention_secrets(draft) {
        return Ok(());
    }
    let unknown = |name| PrepareError::UnknownSecretVariable { name, allowed_here: true };
    for (_, value) in &mut prepared.headers {
        if request::mentions_secret(value) {
            *value = request::fill_secret_text(value, values).map_err(unknown)?;
        }
    }
    let query = prepared.url.query().unwrap_or_default();
    if query.contains("secret%3A") || query.contains("secret:") {
        let pairs: Vec<(String, String)> =
            prepared.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let mut filled = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            let value = if request::mentions_secret(&value) {
                request::fill_secret_text(&value, values).map_err(unknown)?
            } else {
                value
            };
            filled.push((name, value));
        }
        prepared.url.query_pairs_mut().clear().extend_pairs(filled);
    }
    prepared.filled_secrets = values.values().cloned().collect();
    Ok(())
}

/// Does the body name a keychain secret (`{{secret:name}}`)?
fn body_mentions_secrets(body: &BodyDraft) -> bool {
    let marker = concat!("{{", "secret:");
    match body {
        BodyDraft::None => false,
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.contains(marker),
        BodyDraft::Form { fields } => fields.iter().any(|f| f.value.contains(marker) || f.name.contains(marker)),
    }
}

/// Did the API refuse the access token itself (401 with a Bearer `invalid_token` challenge)?
/// Then a new token may help; any other refusal would only repeat.
fn token_refused(exchange: &Exchange) -> bool {
    let Outcome::Response(response) = &exchange.outcome else { return false };
    response.status == 401
        && crate::core::challenge::from_headers(response.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .iter()
            .any(|c| c.error().is_some_and(|e| e.eq_ignore_ascii_case("invalid_token")))
}
