//! The token inspector's state and the work behind it: reading a profile's token from the
//! keychain and checking a signature happen in tasks; the window (`panels/token_ui.rs`) only draws
//! and pushes [`TokenCommand`]s.
//!
//! Also the active profile's token, read once per profile change so the profile bar can say
//! "token expires in 12 min" without touching the keychain on every frame.

use crate::core::oauth::TokenInfo;
use crate::core::profile::{AuthMethod, ProfileId};
use crate::core::secret::Secret;
use crate::core::token::verify::SignatureCheck;
use crate::core::token::{Jwt, TokenKind, read_token};
use crate::ui::app::GatepassApp;
use crate::ui::tasks::Event;
use crate::workspace::{CancelHandle, KeySource, SignInHow, SignInOptions, SignInPrompt, TokenPolicy, cancel_pair};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Does this method send an access token the app holds (typed in, or obtained by OAuth)?
pub fn has_access_token(auth: &AuthMethod) -> bool {
    matches!(auth, AuthMethod::Bearer { .. } | AuthMethod::SignedJwt(_)) || auth.is_oauth()
}

/// Where the inspected token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Profile {
        id: ProfileId,
        name: String,
    },
    /// A token handed over by another part of the app; `label` says where it came from.
    Given {
        label: String,
    },
    Pasted,
}

/// Which key the user offers for the signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    None,
    SharedSecret,
    PublicKey,
    KeySetUrl,
}

impl KeyChoice {
    pub const ALL: [KeyChoice; 4] =
        [KeyChoice::None, KeyChoice::SharedSecret, KeyChoice::PublicKey, KeyChoice::KeySetUrl];

    pub fn label(self) -> &'static str {
        match self {
            KeyChoice::None => "No key",
            KeyChoice::SharedSecret => "Shared secret (HS*)",
            KeyChoice::PublicKey => "Public key, PEM (RS*, PS*, ES*, EdDSA)",
            KeyChoice::KeySetUrl => "Key set URL (JWKS)",
        }
    }
}

/// A signature check, pending or done. Results for an older check are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureState {
    Idle,
    Checking { id: u64 },
    Done(SignatureCheck),
}

/// Asking the sign-in server whether the token is active (RFC 7662).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntrospectionState {
    Idle,
    Asking { id: u64 },
    Done(Result<crate::core::oauth::Introspection, String>),
}

/// The token as read: a decoded token, or why it could not be had.
#[derive(Debug, Clone)]
pub enum Inspected {
    Empty,
    Loading,
    Read(Arc<TokenKind>),
    /// Could not be read: the message says why and what to do.
    Problem(String),
}

/// The inspector window's state.
pub struct TokenInspector {
    pub source: TokenSource,
    /// What the user pasted (only for [`TokenSource::Pasted`]); wiped when dropped.
    pub paste: Zeroizing<String>,
    pub inspected: Inspected,
    pub revealed: bool,
    /// Permissions the active profile expects, to compare with the token's.
    pub expected: Vec<String>,
    pub key_choice: KeyChoice,
    pub key_secret: Zeroizing<String>,
    pub key_pem: String,
    pub jwks_url: String,
    pub signature: SignatureState,
    /// The profile names an introspection endpoint (RFC 7662) to ask.
    pub can_introspect: bool,
    pub introspection: IntrospectionState,
    /// The shared secret typed here is the one remembered for the profile.
    pub secret_remembered: bool,
    /// "Expiring soon" threshold in minutes (default 5).
    pub soon_minutes: u32,
    pub local_offset: time::UtcOffset,
    /// Bumped whenever the token changes, so a late keychain read for an old one is dropped.
    generation: u64,
    next_check: u64,
    /// What `paste` held when last read, to re-read only when it changes.
    last_paste: Zeroizing<String>,
}

impl TokenInspector {
    pub fn new(source: TokenSource, expected: Vec<String>) -> Self {
        let now = time::OffsetDateTime::now_utc();
        Self {
            source,
            paste: Zeroizing::new(String::new()),
            inspected: Inspected::Empty,
            revealed: false,
            expected,
            key_choice: KeyChoice::None,
            key_secret: Zeroizing::new(String::new()),
            key_pem: String::new(),
            jwks_url: String::new(),
            signature: SignatureState::Idle,
            can_introspect: false,
            introspection: IntrospectionState::Idle,
            secret_remembered: false,
            soon_minutes: 5,
            local_offset: time::UtcOffset::local_offset_at(now).unwrap_or(time::UtcOffset::UTC),
            generation: 0,
            next_check: 0,
            last_paste: Zeroizing::new(String::new()),
        }
    }

    pub fn jwt(&self) -> Option<&Jwt> {
        match &self.inspected {
            Inspected::Read(kind) => kind.as_jwt(),
            _ => None,
        }
    }

    pub fn soon(&self) -> time::Duration {
        time::Duration::minutes(i64::from(self.soon_minutes))
    }

    /// Show a token's text (from the keychain or a paste): decode it and forget any old check.
    pub fn show_text(&mut self, text: &str) {
        self.revealed = false;
        self.signature = SignatureState::Idle;
        self.inspected = if text.trim().is_empty() {
            Inspected::Empty
        } else {
            match read_token(text) {
                Ok(kind) => {
                    if let Some(jwt) = kind.as_jwt()
                        && self.jwks_url.is_empty()
                        && let Some(iss) = jwt.issuer.as_deref().filter(|i| i.starts_with("http"))
                    {
                        // A hint only: nothing is fetched until the user asks.
                        self.jwks_url = format!("{}/.well-known/jwks.json", iss.trim_end_matches('/'));
                    }
                    Inspected::Read(Arc::new(kind))
                }
                Err(e) => Inspected::Problem(e.to_string()),
            }
        };
    }

    /// Re-read the pasted text if it changed since the last frame.
    pub fn paste_changed(&mut self) {
        if self.source == TokenSource::Pasted && *self.paste != *self.last_paste {
            self.last_paste = self.paste.clone();
            let text = self.paste.clone();
            self.generation += 1;
            self.show_text(&text);
        }
    }
}

/// What the inspector window asks for.
#[derive(Debug)]
pub enum TokenCommand {
    /// Open on the active profile's token (when it has one) or on a paste box.
    OpenForActiveProfile,
    /// Open on a token the app already holds (for example one just received from a token
    /// endpoint), compared with these expected permissions.
    OpenWith {
        token: Secret,
        label: String,
        expected: Vec<String>,
    },
    /// Switch to pasting a token.
    UsePasted,
    /// Read the profile's token from the keychain again.
    Reload,
    CheckSignature,
    /// Ask the profile's introspection endpoint about the token shown.
    Introspect,
    /// Keep the shared secret typed in the inspector in the keychain for this profile (or forget it).
    RememberSecret(bool),
    Close,
    /// Ask an OAuth profile's sign-in server for a new access token ("Get new token").
    GetNewToken(ProfileId),
}

/// What the inspector's tasks report.
pub enum TokenEvent {
    /// The inspected profile's token, read from the keychain, with the key it is checked with.
    ProfileToken(u64, Result<Option<Secret>, String>, KeySource),
    Introspected(u64, Result<crate::core::oauth::Introspection, String>),
    /// The shared secret was remembered (true) or forgotten (false), or why not.
    SecretRemembered(Result<bool, String>),
    SignatureChecked(u64, SignatureCheck),
    /// The active profile's token, for the profile bar.
    ActiveToken(ProfileId, Result<Option<Secret>, String>),
    /// "Get new token" finished for this OAuth profile.
    Obtained(ProfileId, Result<TokenInfo, String>),
    /// A sign-in a person approves needs them now: the address to open, or the device code.
    SignInPrompt(ProfileId, SignInPrompt),
}

/// A sign-in waiting for the person (authorization code or device grant), with its Cancel.
pub struct SignInView {
    pub profile: ProfileId,
    pub profile_name: String,
    /// `None` until the sign-in server has answered (device) or the listener is ready (browser).
    pub prompt: Option<SignInPrompt>,
    pub cancel: CancelHandle,
}

/// The active profile's token as the profile bar shows it.
#[derive(Debug, Clone)]
pub enum ActiveToken {
    Loading,
    Missing,
    Unreadable,
    Opaque,
    Jwt(Box<Jwt>),
    Failed(String),
}

/// The profile bar's view of the active token, tied to the profile it was read for.
pub struct ActiveTokenView {
    pub profile: ProfileId,
    pub token: ActiveToken,
    /// The profiles were reloaded (a token may have been replaced): read again, keep showing this meanwhile.
    pub stale: bool,
}

/// "Get new token" for an OAuth profile: pending, or how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFetch {
    InFlight(ProfileId),
    Done(ProfileId, TokenInfo),
    Failed(ProfileId, String),
}

impl TokenFetch {
    pub fn profile(&self) -> &ProfileId {
        match self {
            TokenFetch::InFlight(id) | TokenFetch::Done(id, _) | TokenFetch::Failed(id, _) => id,
        }
    }
}

/// "Obtained 2 min ago (12:01:02 UTC) · expires in 3 min (12:06:02 UTC)", local time first.
pub fn obtained_words(info: &TokenInfo, now: time::OffsetDateTime, local: time::UtcOffset) -> String {
    use crate::core::token::time_words::{absolute_words, relative_words};
    let at = |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).ok();
    let obtained = at(info.obtained_at)
        .map(|t| format!("Obtained {} ({})", relative_words(t, now), absolute_words(t, local)))
        .unwrap_or_default();
    let expires = match info.expires_at.and_then(at) {
        Some(t) if t <= now => format!(
            "expired {} ago ({})",
            crate::core::token::time_words::short_duration_words(now - t),
            absolute_words(t, local)
        ),
        Some(t) => format!("expires {} ({})", relative_words(t, now), absolute_words(t, local)),
        None => "expiry not said".to_owned(),
    };
    let renewal = if info.has_refresh_token {
        match info.refresh_expires_at.and_then(at) {
            Some(t) if t <= now => " · the saved sign-in has run out: sign in again".to_owned(),
            Some(t) => format!(
                " · renews itself for {} more ({})",
                crate::core::token::time_words::short_duration_words(t - now),
                absolute_words(t, local)
            ),
            None => " · renews itself (refresh token kept)".to_owned(),
        }
    } else {
        String::new()
    };
    format!("{obtained} · {expires}{renewal} · {}", info.fingerprint)
}

impl GatepassApp {
    /// Apply an inspector command (called from `apply`; never blocks).
    pub fn apply_token_command(&mut self, command: TokenCommand) {
        match command {
            TokenCommand::OpenForActiveProfile => {
                let expected = self.active_profile().map(|p| p.expected_scopes.clone()).unwrap_or_default();
                let source = match self.active_profile() {
                    Some(p) if has_access_token(&p.auth) => {
                        TokenSource::Profile { id: p.id.clone(), name: p.name.clone() }
                    }
                    _ => TokenSource::Pasted,
                };
                let can_introspect = self.active_profile().is_some_and(|p| p.token_checks.introspection_url.is_some());
                let mut inspector = TokenInspector::new(source, expected);
                inspector.can_introspect = can_introspect && matches!(inspector.source, TokenSource::Profile { .. });
                self.inspector = Some(inspector);
                self.read_inspected_token();
            }
            TokenCommand::OpenWith { token, label, expected } => {
                let mut inspector = TokenInspector::new(TokenSource::Given { label }, expected);
                inspector.show_text(token.expose());
                self.inspector = Some(inspector);
            }
            TokenCommand::UsePasted => {
                if let Some(inspector) = &mut self.inspector {
                    inspector.source = TokenSource::Pasted;
                    inspector.generation += 1;
                    inspector.last_paste = Zeroizing::new(String::new());
                    inspector.inspected = Inspected::Empty;
                    inspector.paste_changed();
                }
            }
            TokenCommand::Reload => self.read_inspected_token(),
            TokenCommand::CheckSignature => self.check_signature(),
            TokenCommand::Introspect => self.introspect(),
            TokenCommand::RememberSecret(remember) => self.remember_secret(remember),
            TokenCommand::Close => self.inspector = None,
            TokenCommand::GetNewToken(id) => self.get_new_token(id),
        }
    }

    fn get_new_token(&mut self, id: ProfileId) {
        if matches!(&self.token_fetch, Some(TokenFetch::InFlight(pending)) if *pending == id) {
            return;
        }
        let Ok(ws) = self.workspace.clone() else { return };
        self.token_fetch = Some(TokenFetch::InFlight(id.clone()));
        let person = self.profiles.iter().find(|p| p.id == id).filter(|p| p.auth.user_sign_in().is_some());
        let Some(profile) = person else {
            self.tasks.spawn(async move {
                let result =
                    ws.access_token(&id, TokenPolicy::GetNew).await.map(|(_, info)| info).map_err(|e| e.to_string());
                Event::Token(TokenEvent::Obtained(id, result))
            });
            return;
        };
        // Authorization code or device: the person approves; the window shows what to do.
        let (cancel, signal) = cancel_pair();
        self.sign_in =
            Some(SignInView { profile: id.clone(), profile_name: profile.name.clone(), prompt: None, cancel });
        let report = self.tasks.reporter();
        let prompt_id = id.clone();
        let how = SignInHow {
            browser: self.browser.clone(),
            options: SignInOptions::default(),
            prompt: Arc::new(move |prompt| report(Event::Token(TokenEvent::SignInPrompt(prompt_id.clone(), prompt)))),
            cancel: signal,
        };
        self.tasks.spawn(async move {
            let result =
                ws.obtain_token(&id, TokenPolicy::GetNew, how).await.map(|(_, info)| info).map_err(|e| e.to_string());
            Event::Token(TokenEvent::Obtained(id, result))
        });
    }

    /// Cancel the sign-in waiting for the person; its task ends with "cancelled".
    pub fn cancel_sign_in(&mut self) {
        if let Some(view) = self.sign_in.take() {
            view.cancel.cancel();
        }
    }

    fn read_inspected_token(&mut self) {
        let Some(inspector) = &mut self.inspector else { return };
        let TokenSource::Profile { id, .. } = inspector.source.clone() else { return };
        let Ok(ws) = self.workspace.clone() else { return };
        inspector.generation += 1;
        inspector.inspected = Inspected::Loading;
        inspector.signature = SignatureState::Idle;
        let generation = inspector.generation;
        self.tasks.spawn_blocking(move || {
            let token = ws.profile_token(&id).map_err(|e| e.to_string());
            let key = ws.profile_verify_key(&id).unwrap_or_default();
            Event::Token(TokenEvent::ProfileToken(generation, token, key))
        });
    }

    fn introspect(&mut self) {
        let Ok(ws) = self.workspace.clone() else { return };
        let Some(inspector) = &mut self.inspector else { return };
        let TokenSource::Profile { id, .. } = inspector.source.clone() else { return };
        let token = match &inspector.inspected {
            Inspected::Read(kind) => match kind.as_ref() {
                TokenKind::Jwt(jwt) => jwt.raw().clone(),
                TokenKind::Opaque(opaque) => opaque.raw().clone(),
            },
            _ => return,
        };
        inspector.next_check += 1;
        let check = inspector.next_check;
        inspector.introspection = IntrospectionState::Asking { id: check };
        self.tasks.spawn(async move {
            Event::Token(TokenEvent::Introspected(check, ws.introspect(&id, &token).await.map_err(|e| e.to_string())))
        });
    }

    fn remember_secret(&mut self, remember: bool) {
        let Ok(ws) = self.workspace.clone() else { return };
        let Some(inspector) = &mut self.inspector else { return };
        let TokenSource::Profile { id, .. } = inspector.source.clone() else { return };
        let secret = Secret::new(inspector.key_secret.as_str());
        if remember && secret.is_empty() {
            return;
        }
        self.tasks.spawn_blocking(move || {
            let result = ws.remember_verify_secret(&id, remember.then_some(&secret)).map(|()| remember);
            Event::Token(TokenEvent::SecretRemembered(result.map_err(|e| e.to_string())))
        });
    }

    fn check_signature(&mut self) {
        let Ok(ws) = self.workspace.clone() else { return };
        let Some(inspector) = &mut self.inspector else { return };
        let Some(jwt) = inspector.jwt().cloned() else { return };
        let key = match inspector.key_choice {
            KeyChoice::None => KeySource::None,
            KeyChoice::SharedSecret => KeySource::SharedSecret(Secret::new(inspector.key_secret.as_str())),
            KeyChoice::PublicKey => KeySource::PublicKeyPem(inspector.key_pem.clone()),
            KeyChoice::KeySetUrl => KeySource::KeySetUrl(inspector.jwks_url.trim().to_owned()),
        };
        inspector.next_check += 1;
        let id = inspector.next_check;
        inspector.signature = SignatureState::Checking { id };
        self.tasks
            .spawn(async move { Event::Token(TokenEvent::SignatureChecked(id, ws.check_signature(&jwt, key).await)) });
    }

    /// Apply a finished inspector task (called from `on_event`).
    pub fn on_token_event(&mut self, event: TokenEvent) {
        match event {
            TokenEvent::ProfileToken(generation, result, key) => {
                let Some(inspector) = &mut self.inspector else { return };
                if inspector.generation != generation {
                    return;
                }
                match result {
                    Ok(Some(secret)) => {
                        inspector.show_text(secret.expose());
                        // The profile's remembered key checks the signature at once.
                        let known_key = match key {
                            KeySource::SharedSecret(value) => {
                                inspector.key_choice = KeyChoice::SharedSecret;
                                inspector.key_secret = Zeroizing::new(value.expose().to_owned());
                                inspector.secret_remembered = true;
                                true
                            }
                            KeySource::KeySetUrl(url) => {
                                inspector.key_choice = KeyChoice::KeySetUrl;
                                inspector.jwks_url = url;
                                true
                            }
                            _ => false,
                        };
                        let opaque = matches!(&inspector.inspected, Inspected::Read(kind) if matches!(kind.as_ref(), TokenKind::Opaque(_)));
                        let can_introspect = inspector.can_introspect;
                        if known_key && inspector.jwt().is_some() {
                            self.check_signature();
                        }
                        // An opaque token can only be understood by asking its server.
                        if opaque && can_introspect {
                            self.introspect();
                        }
                    }
                    Ok(None) => {
                        let oauth = matches!(&inspector.source, TokenSource::Profile { id, .. }
                            if self.profiles.iter().any(|p| &p.id == id && p.auth.is_oauth()));
                        inspector.inspected = Inspected::Problem(if oauth {
                            "This profile has no access token yet. Click \"Get new token\" in the profile bar, or send a request: Gatepass gets one from the sign-in server.".to_owned()
                        } else {
                            "This profile has no access token saved yet. Add one under Profiles…, or paste a token here."
                                .to_owned()
                        });
                    }
                    Err(e) => inspector.inspected = Inspected::Problem(e),
                }
            }
            TokenEvent::SignInPrompt(id, prompt) => {
                if let Some(view) = self.sign_in.as_mut().filter(|v| v.profile == id) {
                    view.prompt = Some(prompt);
                }
            }
            TokenEvent::Obtained(id, result) => {
                let cancelled =
                    matches!(&result, Err(e) if e == &crate::core::oauth::GrantError::Cancelled.to_string());
                if self.sign_in.as_ref().is_some_and(|v| v.profile == id) {
                    self.sign_in = None;
                }
                if let Err(e) = &result
                    && !cancelled
                {
                    self.notices.push(crate::ui::app::Notice { text: e.clone(), is_error: true });
                }
                if cancelled {
                    self.token_fetch = None;
                } else if self.token_fetch.as_ref().is_some_and(|f| *f.profile() == id) {
                    self.token_fetch = Some(match result {
                        Ok(info) => TokenFetch::Done(id, info),
                        Err(e) => TokenFetch::Failed(id, e),
                    });
                }
                self.mark_active_token_stale();
            }
            TokenEvent::Introspected(id, result) => {
                if let Some(inspector) = &mut self.inspector
                    && inspector.introspection == (IntrospectionState::Asking { id })
                {
                    inspector.introspection = IntrospectionState::Done(result);
                }
            }
            TokenEvent::SecretRemembered(result) => match result {
                Ok(remembered) => {
                    if let Some(inspector) = &mut self.inspector {
                        inspector.secret_remembered = remembered;
                    }
                    // The profile now names (or no longer names) the slot.
                    self.reload_profiles();
                    self.notices.push(crate::ui::app::Notice {
                        text: if remembered {
                            "The secret is kept in the keychain for this profile: its tokens are checked with it from now on."
                                .to_owned()
                        } else {
                            "The secret was removed from the keychain.".to_owned()
                        },
                        is_error: false,
                    });
                }
                Err(e) => self.notices.push(crate::ui::app::Notice { text: e, is_error: true }),
            },
            TokenEvent::SignatureChecked(id, check) => {
                if let Some(inspector) = &mut self.inspector
                    && inspector.signature == (SignatureState::Checking { id })
                {
                    inspector.signature = SignatureState::Done(check);
                }
            }
            TokenEvent::ActiveToken(profile, result) => {
                let Some(view) = &mut self.active_token else { return };
                if view.profile != profile {
                    return;
                }
                view.stale = false;
                view.token = match result {
                    Ok(None) => ActiveToken::Missing,
                    Ok(Some(secret)) => match read_token(secret.expose()) {
                        Ok(TokenKind::Jwt(jwt)) => ActiveToken::Jwt(Box::new(jwt)),
                        Ok(TokenKind::Opaque(_)) => ActiveToken::Opaque,
                        Err(_) => ActiveToken::Unreadable,
                    },
                    Err(e) => ActiveToken::Failed(e),
                };
            }
        }
    }

    /// Keep the profile bar's token current: read it (off the UI thread) when the active profile
    /// changes or the profiles were reloaded. Called every frame; spawns only on a change.
    pub fn refresh_active_token(&mut self) {
        let wanted = self.active_profile().filter(|p| has_access_token(&p.auth)).map(|p| p.id.clone());
        let Some(id) = wanted else {
            self.active_token = None;
            return;
        };
        if !matches!(self.keychain, crate::ui::app::KeychainState::Ready(_)) {
            return;
        }
        let needs_read = match &mut self.active_token {
            Some(view) if view.profile == id => {
                let stale = view.stale;
                view.stale = false;
                stale
            }
            _ => {
                self.active_token =
                    Some(ActiveTokenView { profile: id.clone(), token: ActiveToken::Loading, stale: false });
                true
            }
        };
        if needs_read && let Ok(ws) = self.workspace.clone() {
            self.tasks.spawn_blocking(move || {
                let result = ws.profile_token(&id).map_err(|e| e.to_string());
                Event::Token(TokenEvent::ActiveToken(id, result))
            });
        }
    }

    /// The profiles changed on disk or in the editor: the active token may have been replaced.
    pub fn mark_active_token_stale(&mut self) {
        if let Some(view) = &mut self.active_token {
            view.stale = true;
        }
    }
}
