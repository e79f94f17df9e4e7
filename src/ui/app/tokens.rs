//! The app's side of tokens: the inspector's keychain reads and signature checks, "Get new token"
//! and sign-in, and the profile bar's view of the active token. The views (`panels/token_ui.rs`)
//! only draw and return commands; the tasks run here and their replies are routed back by id.

use super::GatepassApp;
use crate::core::profile::{AuthMethod, ProfileId};
use crate::core::secret::Secret;
use crate::core::token::{TokenKind, read_token};
use crate::ui::command::TokenCommand;
use crate::ui::panels::token_ui::{
    ActiveFingerprint, ActiveToken, ActiveTokenView, Inspected, IntrospectionState, KeyChoice, SignInView,
    SignatureState, TokenFetch, TokenInspector, TokenSource, has_access_token,
};
use crate::ui::tasks::{Event, TaskError, TokenEvent};
use crate::ui::view::{KeychainState, Notice};
use crate::workspace::{KeySource, SignInHow, SignInOptions, TokenPolicy, WorkspaceError, cancel_pair};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A task's error as the window needs it: a cancelled sign-in is not a failure to report.
fn task_error(error: WorkspaceError) -> TaskError {
    match error {
        WorkspaceError::Grant(crate::core::oauth::GrantError::Cancelled) => TaskError::Cancelled,
        other => TaskError::failed(other),
    }
}

impl GatepassApp {
    /// Apply an inspector command (called from `apply`; never blocks).
    pub fn apply_token_command(&mut self, command: TokenCommand) {
        match command {
            TokenCommand::OpenForActiveProfile => {
                if let Some(id) = self.active.clone() {
                    self.apply_token_command(TokenCommand::OpenForProfile(id));
                } else {
                    self.inspector = Some(TokenInspector::new(TokenSource::Pasted, Vec::new()));
                }
            }
            TokenCommand::OpenForProfile(id) => {
                let profile = self.profiles.iter().find(|p| p.id == id);
                let expected = profile.map(|p| p.expected_scopes.clone()).unwrap_or_default();
                let source = match profile {
                    Some(p) if has_access_token(&p.auth) => {
                        TokenSource::Profile { id: p.id.clone(), name: p.name.clone() }
                    }
                    _ => TokenSource::Pasted,
                };
                let can_introspect = profile.is_some_and(|p| p.token_checks.introspection_url.is_some());
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
            TokenCommand::Reload => self.read_inspected_token(),
            TokenCommand::CheckSignature => self.check_signature(),
            TokenCommand::Introspect => self.introspect(),
            TokenCommand::RememberSecret(remember) => self.remember_secret(remember),
            TokenCommand::GetNewToken(id) => self.get_new_token(id),
            TokenCommand::CancelSignIn => self.cancel_sign_in(),
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
                let result = ws.access_token(&id, TokenPolicy::GetNew).await.map(|(_, info)| info).map_err(task_error);
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
            let result = ws.obtain_token(&id, TokenPolicy::GetNew, how).await.map(|(_, info)| info).map_err(task_error);
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
        let profile = self.profiles.iter().find(|p| p.id == id).cloned();
        self.tasks.spawn_blocking(move || {
            let token = ws.profile_token(&id).map_err(|e| e.to_string());
            let key = ws.profile_verify_key(&id).unwrap_or_default();
            let dpop = profile.and_then(|p| ws.dpop_thumbprint(&p).ok().flatten());
            Event::Token(TokenEvent::ProfileToken(generation, token, key, dpop))
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
            TokenEvent::ProfileToken(generation, result, key, dpop) => {
                let Some(inspector) = &mut self.inspector else { return };
                if inspector.generation != generation {
                    return;
                }
                inspector.profile_dpop = Some(dpop);
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
                let cancelled = matches!(&result, Err(TaskError::Cancelled));
                if self.sign_in.as_ref().is_some_and(|v| v.profile == id) {
                    self.sign_in = None;
                }
                if let Err(TaskError::Failed(e)) = &result {
                    self.notices.push(Notice::error(e.clone()));
                }
                // Check setup shows this profile: check it again with the new token.
                if result.is_ok() && self.check.open && self.check.results.contains_key(&id) {
                    self.commands
                        .push(crate::ui::command::Command::Check(crate::ui::command::CheckCommand::One(id.clone())));
                }
                if cancelled {
                    self.token_fetch = None;
                } else if self.token_fetch.as_ref().is_some_and(|f| *f.profile() == id) {
                    self.token_fetch = Some(match result {
                        Ok(info) => TokenFetch::Done(id, info),
                        Err(TaskError::Failed(e)) => TokenFetch::Failed(id, e),
                        Err(TaskError::Cancelled) => return,
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
                    self.notices.push(Notice {
                        text: if remembered {
                            "The secret is kept in the keychain for this profile: its tokens are checked with it from now on."
                                .to_owned()
                        } else {
                            "The secret was removed from the keychain.".to_owned()
                        },
                        is_error: false,
                    });
                }
                Err(e) => self.notices.push(Notice { text: e, is_error: true }),
            },
            TokenEvent::SignatureChecked(id, check) => {
                if let Some(inspector) = &mut self.inspector
                    && inspector.signature == (SignatureState::Checking { id })
                {
                    inspector.signature = SignatureState::Done(check);
                }
            }
            TokenEvent::ActiveFingerprint(profile, result) => {
                let Some(view) = &mut self.active_fingerprint else { return };
                if view.profile == profile {
                    // A failed read shows as unknown: the Preview then says where the value comes from.
                    view.value = result.ok();
                }
            }
            TokenEvent::ActiveToken(profile, result) => {
                // The Preview's fingerprint of a token comes from this same read.
                let value = result.as_ref().ok().map(|secret| secret.as_ref().map(Secret::fingerprint));
                self.active_fingerprint = Some(ActiveFingerprint { profile: profile.clone(), value, stale: false });
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
        if !matches!(self.keychain, KeychainState::Ready(_)) {
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
        if let Some(fingerprint) = &mut self.active_fingerprint {
            fingerprint.stale = true;
        }
    }

    /// Keep the fingerprint of the active profile's stored key or password current, for the
    /// Preview: read off the UI thread when the active profile changes or the profiles were
    /// reloaded. A token's comes with the profile bar's read of it (`refresh_active_token`).
    pub fn refresh_active_fingerprint(&mut self) {
        let Some(profile) = self.active_profile() else {
            self.active_fingerprint = None;
            return;
        };
        if has_access_token(&profile.auth) {
            return;
        }
        if !matches!(profile.auth, AuthMethod::ApiKey { .. } | AuthMethod::Basic { .. }) {
            self.active_fingerprint = None;
            return;
        }
        let id = profile.id.clone();
        if !matches!(self.keychain, KeychainState::Ready(_)) {
            return;
        }
        let needs_read = match &mut self.active_fingerprint {
            Some(view) if view.profile == id => std::mem::take(&mut view.stale),
            _ => {
                self.active_fingerprint = Some(ActiveFingerprint { profile: id.clone(), value: None, stale: false });
                true
            }
        };
        if needs_read && let Ok(ws) = self.workspace.clone() {
            self.tasks.spawn_blocking(move || {
                let result = ws.credential_fingerprint(&id).map_err(|e| e.to_string());
                Event::Token(TokenEvent::ActiveFingerprint(id, result))
            });
        }
    }
}
