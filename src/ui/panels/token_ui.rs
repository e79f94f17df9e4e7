//! The token inspector window and its state: one clear state in colour and words, the standard
//! claims explained, permissions as chips with missing ones marked, the signature check, and the
//! raw header and claims. The token stays masked unless revealed. Also the profile bar's view of
//! the active profile's token, "Get new token", and the sign-in window.
//!
//! Reading the keychain and checking a signature are tasks the app runs; this only draws and
//! returns [`TokenCommand`]s.

use crate::core::oauth::TokenInfo;
use crate::core::profile::{AuthMethod, ProfileId};
use crate::core::token::explain::standard_claims;
use crate::core::token::time_words::{short_state_words, state_words};
use crate::core::token::verify::SignatureCheck;
use crate::core::token::{Jwt, TokenKind, read_token};
use crate::core::token::{OpaqueToken, TokenState, token_state};
use crate::ui::command::{Command, TokenCommand};
use crate::ui::theme::{Palette, Theme};
use crate::ui::view::ViewCx;
use crate::workspace::{CancelHandle, SignInPrompt};
use egui::RichText;
use std::sync::Arc;
use std::time::Duration;
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
    pub generation: u64,
    pub next_check: u64,
    /// What `paste` held when last read, to re-read only when it changes.
    pub last_paste: Zeroizing<String>,
    /// For a profile's token: the thumbprint of the profile's `DPoP` key (`Some(None)`: it has
    /// none), to compare with a bound token's `cnf.jkt`. `None` for a pasted token.
    pub profile_dpop: Option<Option<String>>,
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
            profile_dpop: None,
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

    /// Switch to pasting a token: forget the one shown.
    pub fn use_pasted(&mut self) {
        self.source = TokenSource::Pasted;
        self.profile_dpop = None;
        self.generation += 1;
        self.last_paste = Zeroizing::new(String::new());
        self.inspected = Inspected::Empty;
        self.paste_changed();
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

/// The fingerprint of the active profile's stored credential, for the Preview: what will go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveFingerprint {
    pub profile: ProfileId,
    /// `None` while it is read; `Some(None)` when nothing is stored.
    pub value: Option<Option<String>>,
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

/// The colour that goes with a token state.
pub fn state_color(palette: &Palette, state: TokenState) -> egui::Color32 {
    match state {
        TokenState::Valid | TokenState::NoExpiry => palette.success,
        TokenState::ExpiringSoon | TokenState::NotYetValid => palette.warning,
        TokenState::Expired | TokenState::UnreadableExpiry => palette.error,
    }
}

/// How soon the screen must be redrawn for countdowns to stay true, if at all.
pub fn countdown_repaint(inspector: Option<&TokenInspector>, cx: &ViewCx<'_>) -> Option<Duration> {
    if inspector.is_some_and(|i| i.jwt().is_some()) {
        return Some(Duration::from_secs(1));
    }
    // A signed-JWT profile's bar says "a new token for each request": nothing counts down.
    if cx.active.is_some_and(|p| matches!(p.auth, crate::core::profile::AuthMethod::SignedJwt(_))) {
        return None;
    }
    let ActiveToken::Jwt(jwt) = &cx.active_token?.token else { return None };
    let exp = jwt.expires_at?;
    let left = exp - time::OffsetDateTime::now_utc();
    // The bar speaks in whole units: seconds in the last minutes, minutes below an hour, then hours.
    Some(if left < time::Duration::minutes(2) {
        Duration::from_secs(1)
    } else if left < time::Duration::hours(2) {
        Duration::from_secs(10)
    } else {
        Duration::from_mins(1)
    })
}

/// The profile bar's piece. With a bearer profile: the token's state in words and colour
/// ("token expires in 12 min"), which opens the inspector when clicked. Otherwise a plain
/// "Inspect token…" button to paste one.
pub fn profile_bar_token_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    let palette = cx.theme.palette;
    let oauth_profile = cx.active.filter(|p| p.auth.is_oauth()).map(|p| p.id.clone());
    let oauth = oauth_profile.is_some();
    let signed = cx.active.and_then(|p| match &p.auth {
        crate::core::profile::AuthMethod::SignedJwt(settings) => Some(settings.algorithm),
        _ => None,
    });
    let clicked = if let (Some(view), Some(alg)) = (cx.active_token, signed) {
        // The token is made fresh for every request, so its expiry never catches the user out.
        let (text, color) = match &view.token {
            ActiveToken::Loading => ("making a token…".to_owned(), palette.muted),
            ActiveToken::Missing => ("no signing key saved".to_owned(), palette.warning),
            ActiveToken::Jwt(_) => (format!("new {alg} token per request"), palette.success),
            ActiveToken::Failed(_) | ActiveToken::Unreadable | ActiveToken::Opaque => {
                ("token cannot be made".to_owned(), palette.error)
            }
        };
        let hover = match &view.token {
            ActiveToken::Failed(why) => why.clone(),
            _ => "Gatepass signs a new token for every request. Click to see one: its claims, expiry and permissions."
                .to_owned(),
        };
        ui.add(
            egui::Button::new(RichText::new(text).color(color))
                .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.6))),
        )
        .on_hover_text(hover)
        .clicked()
    } else if let Some(view) = cx.active_token {
        let now = time::OffsetDateTime::now_utc();
        let (text, color) = match &view.token {
            ActiveToken::Loading => ("reading the token…".to_owned(), palette.muted),
            ActiveToken::Missing if oauth => ("no token yet".to_owned(), palette.muted),
            ActiveToken::Missing => ("no token saved".to_owned(), palette.warning),
            ActiveToken::Unreadable => ("token cannot be read".to_owned(), palette.error),
            ActiveToken::Opaque => ("opaque token, expiry unknown".to_owned(), palette.muted),
            ActiveToken::Failed(_) => ("token not available".to_owned(), palette.error),
            ActiveToken::Jwt(jwt) => {
                let state = token_state(jwt, now, crate::core::token::DEFAULT_SOON);
                (short_state_words(jwt, now, crate::core::token::DEFAULT_SOON), state_color(&palette, state))
            }
        };
        ui.add(
            egui::Button::new(RichText::new(text).color(color))
                .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.6))),
        )
        .on_hover_text("Access token (bearer). Click to inspect it: expiry, permissions, signature.")
        .clicked()
    } else {
        ui.button("Inspect token…").on_hover_text("See what a token says, when it expires and what it allows").clicked()
    };
    if clicked {
        commands.push(Command::Token(TokenCommand::OpenForActiveProfile));
    }
    if let Some(id) = oauth_profile {
        commands.extend(get_new_token_ui(ui, cx, &id));
    }
    commands
}

/// "Get new token" for an OAuth profile: one click; the work runs in a task. Hovering says when
/// the last token was obtained and when it expires, or why it could not be had.
pub fn get_new_token_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, id: &crate::core::profile::ProfileId) -> Vec<Command> {
    let fetch = cx.token_fetch.filter(|f| f.profile() == id);
    let busy = matches!(fetch, Some(TokenFetch::InFlight(_)));
    let person = cx.profiles.iter().any(|p| &p.id == id && p.auth.user_sign_in().is_some());
    let hover = match fetch {
        Some(TokenFetch::Done(_, info)) => {
            let now = time::OffsetDateTime::now_utc();
            let local = time::UtcOffset::local_offset_at(now).unwrap_or(time::UtcOffset::UTC);
            obtained_words(info, now, local)
        }
        Some(TokenFetch::Failed(_, error)) => error.clone(),
        _ if person => "Sign in again: Gatepass shows what to do, in the browser or with a code".to_owned(),
        _ => "Ask the sign-in server for a new access token (OAuth 2 client credentials)".to_owned(),
    };
    let label = match (busy, person) {
        (true, true) => "Signing in…",
        (true, false) => "Getting a token…",
        (false, true) => "Sign in…",
        (false, false) => "Get new token",
    };
    if ui.add_enabled(!busy, egui::Button::new(label).small()).on_hover_text(hover).clicked() {
        vec![Command::Token(TokenCommand::GetNewToken(id.clone()))]
    } else {
        Vec::new()
    }
}

/// The sign-in window while the person approves: for the browser, "Waiting for you to approve in
/// the browser…" with the address to open by hand when no browser could be opened; for the
/// device grant, the code large with Copy, the page to type it on, and a countdown. Cancel stops.
pub fn sign_in_window_ui(view: &SignInView, ctx: &egui::Context, cx: &ViewCx<'_>) -> Vec<Command> {
    use crate::workspace::SignInPrompt;
    let palette = cx.theme.palette;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let left_words = |until: i64| {
        let left = (until - now).max(0);
        if left >= 60 { format!("{} min {:02} s", left / 60, left % 60) } else { format!("{left} s") }
    };
    let mut cancel = false;
    let mut copy = None;
    egui::Window::new("Sign in")
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.spacing_mut().item_spacing.y = 8.0;
            ui.label(RichText::new(format!("Profile: {}", view.profile_name)).color(palette.muted));
            match &view.prompt {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Starting the sign-in…");
                    });
                }
                Some(SignInPrompt::Browser { url, opened, problem, waits_until }) => {
                    if *opened {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(RichText::new("Waiting for you to approve in the browser…").strong());
                        });
                        ui.label("Gatepass opened the sign-in page in your browser. Choose Approve there, then come back here.");
                        ui.label(RichText::new("If the page did not open, open this address:").color(palette.muted));
                    } else {
                        ui.label(RichText::new("Open this address in a browser to sign in").strong());
                        let why = problem.as_deref().unwrap_or("no browser was found");
                        ui.label(format!(
                            "Gatepass could not open a browser here ({why}). Copy the address, open it in a browser on this computer, and choose Approve."
                        ));
                    }
                    ui.add(egui::Hyperlink::from_label_and_url(RichText::new(crate::ui::widgets::cut_in_the_middle(url, 56)).monospace(), url))
                        .on_hover_text(url.as_str());
                    ui.horizontal(|ui| {
                        if ui.button("Copy address").clicked() {
                            copy = Some(url.clone());
                        }
                        if !*opened {
                            ui.spinner();
                            ui.label("Waiting for you to approve…");
                        }
                    });
                    ui.label(
                        RichText::new(format!("Gatepass waits {} more, then stops.", left_words(*waits_until)))
                            .color(palette.muted),
                    );
                }
                Some(SignInPrompt::Device { user_code, verification_uri, verification_uri_complete, expires_at, .. }) => {
                    ui.label("On any device (this computer or your phone), open this page:");
                    ui.hyperlink_to(RichText::new(verification_uri.as_str()).size(16.0), verification_uri);
                    ui.label("and type this code:");
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(user_code.as_str()).monospace().size(34.0).strong());
                        if ui.button("Copy code").clicked() {
                            copy = Some(user_code.clone());
                        }
                    });
                    if let Some(complete) = verification_uri_complete {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new("Or open").color(palette.muted));
                            ui.hyperlink_to("the page with the code filled in", complete);
                        });
                    }
                    let left = expires_at - now;
                    let color = if left < 60 { palette.warning } else { palette.muted };
                    ui.label(RichText::new(format!("The code expires in {}", left_words(*expires_at))).color(color));
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Waiting for you to approve…");
                    });
                }
            }
            ui.separator();
            if ui.button("Cancel").clicked() {
                cancel = true;
            }
        });
    if let Some(text) = copy {
        ctx.copy_text(text);
    }
    ctx.request_repaint_after(Duration::from_secs(1));
    if cancel { vec![Command::Token(TokenCommand::CancelSignIn)] } else { Vec::new() }
}

/// The inspector window; `false` once it was closed.
pub fn inspector_window_ui(
    inspector: &mut TokenInspector,
    ctx: &egui::Context,
    cx: &ViewCx<'_>,
    commands: &mut Vec<Command>,
) -> bool {
    let mut open = true;
    let top_center = ctx.content_rect().center_top() + egui::vec2(0.0, 56.0);
    let max_height = (ctx.content_rect().height() - 80.0).max(300.0);
    let mut token_commands = Vec::new();
    egui::Window::new("Token inspector")
        .open(&mut open)
        .default_size([760.0, 620.0])
        .max_height(max_height)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(top_center)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
                inspector_ui(cx.theme, inspector, &mut token_commands, ui);
            });
        });
    commands.extend(token_commands.into_iter().map(Command::Token));
    open
}

fn inspector_ui(theme: &Theme, inspector: &mut TokenInspector, commands: &mut Vec<TokenCommand>, ui: &mut egui::Ui) {
    let palette = theme.palette;
    source_ui(inspector, commands, ui, &palette);
    ui.add_space(6.0);
    match inspector.inspected.clone() {
        Inspected::Empty => {
            ui.label(RichText::new("Paste an access token above to see what it says.").color(palette.muted));
        }
        Inspected::Loading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the token from the keychain…");
            });
        }
        Inspected::Problem(message) => {
            ui.label(RichText::new("This token cannot be read").heading().color(palette.error));
            ui.label(message);
        }
        Inspected::Read(kind) => {
            masked_token_ui(inspector, &kind, ui, &palette);
            ui.add_space(6.0);
            match kind.as_ref() {
                TokenKind::Opaque(opaque) => {
                    opaque_ui(opaque, ui, &palette);
                    introspection_ui(inspector, commands, ui, &palette);
                }
                TokenKind::Jwt(jwt) => jwt_ui(theme, inspector, jwt, commands, ui),
            }
        }
    }
}

fn source_ui(inspector: &mut TokenInspector, commands: &mut Vec<TokenCommand>, ui: &mut egui::Ui, palette: &Palette) {
    let mut paste_another = false;
    match &inspector.source {
        TokenSource::Profile { name, .. } => {
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("The access token of the profile \"{name}\"")).strong());
                if ui.small_button("Read again").clicked() {
                    commands.push(TokenCommand::Reload);
                }
                if ui.small_button("Paste another token…").clicked() {
                    paste_another = true;
                }
            });
        }
        TokenSource::Given { label } => {
            ui.horizontal(|ui| {
                ui.label(RichText::new(label.as_str()).strong());
                if ui.small_button("Paste another token…").clicked() {
                    paste_another = true;
                }
            });
        }
        TokenSource::Pasted => {
            let label = ui.label("Token");
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut *inspector.paste)
                        .password(!inspector.revealed)
                        .desired_width(ui.available_width() - 90.0)
                        .hint_text("paste an access token (JWT or opaque); it stays on this computer"),
                );
                edit.labelled_by(label.id);
                ui.checkbox(&mut inspector.revealed, "Show");
            });
            inspector.paste_changed();
            ui.label(RichText::new("Pasted tokens are not saved anywhere.").small().color(palette.muted));
        }
    }
    if paste_another {
        inspector.use_pasted();
    }
}

fn masked_token_ui(inspector: &mut TokenInspector, kind: &TokenKind, ui: &mut egui::Ui, palette: &Palette) {
    let (what, length) = match kind {
        TokenKind::Jwt(jwt) => ("JWT", jwt.raw().len()),
        TokenKind::Opaque(o) => ("opaque token", o.length),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(kind.fingerprint()).monospace().strong());
        ui.label(RichText::new(format!("{what}, {length} characters")).color(palette.muted));
        if let (TokenSource::Profile { .. } | TokenSource::Given { .. }, TokenKind::Jwt(jwt)) =
            (&inspector.source, kind)
        {
            if inspector.revealed {
                if ui.small_button("Hide").clicked() {
                    inspector.revealed = false;
                }
            } else if ui.small_button("Reveal").clicked() {
                inspector.revealed = true;
            }
            if ui.small_button("Copy").on_hover_text("Copies the token without showing it").clicked() {
                ui.ctx().copy_text(jwt.raw().expose().to_owned());
            }
        }
    });
    if inspector.revealed
        && let (TokenSource::Profile { .. } | TokenSource::Given { .. }, TokenKind::Jwt(jwt)) =
            (&inspector.source, kind)
    {
        ui.add(egui::Label::new(RichText::new(jwt.raw().expose()).monospace().small()).wrap());
    }
}

fn opaque_ui(opaque: &OpaqueToken, ui: &mut egui::Ui, palette: &Palette) {
    ui.label(RichText::new("Opaque token: its contents cannot be read here").heading().color(palette.accent));
    ui.label(opaque.explanation());
}

fn jwt_ui(
    theme: &Theme,
    inspector: &mut TokenInspector,
    jwt: &Jwt,
    commands: &mut Vec<TokenCommand>,
    ui: &mut egui::Ui,
) {
    let palette = theme.palette;
    let now = time::OffsetDateTime::now_utc();
    let soon = inspector.soon();
    let state = token_state(jwt, now, soon);
    let color = state_color(&palette, state);

    // One clear state, in colour and words.
    egui::Frame::new()
        .fill(color.gamma_multiply(0.15))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(egui::CornerRadius::same(6))
        .inner_margin(egui::Margin::symmetric(12, 8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(RichText::new(state.label()).heading().strong().color(color));
                ui.label(RichText::new(state_words(jwt, now, soon)).heading());
            });
            let hint = match state {
                TokenState::Valid => "This token can be used now.".to_owned(),
                TokenState::ExpiringSoon => format!(
                    "It still works, but it stops within {} min. Get a new token before a long test.",
                    inspector.soon_minutes
                ),
                TokenState::Expired => "APIs will refuse it. Get a new token.".to_owned(),
                TokenState::NotYetValid => {
                    "APIs will refuse it until then. If that seems wrong, check this computer's clock.".to_owned()
                }
                TokenState::NoExpiry => {
                    "It has no expiry time, so it works until it is switched off (revoked).".to_owned()
                }
                TokenState::UnreadableExpiry => {
                    "Its expiry (exp) should be a number of seconds since 1970. APIs will likely refuse it; ask its issuer for a new one.".to_owned()
                }
            };
            ui.label(hint);
        });
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new("Call it \"expiring soon\"").small().color(palette.muted));
        ui.add(egui::DragValue::new(&mut inspector.soon_minutes).range(1..=1440).suffix(" min before expiry"))
            .labelled_by(label.id);
    });
    for warning in &jwt.warnings {
        ui.label(RichText::new(format!("⚠ {}", warning.describe())).color(palette.warning));
    }

    ui.add_space(8.0);
    section(ui, "What the token says");
    egui::Grid::new("standard_claims").num_columns(3).striped(true).spacing([14.0, 6.0]).show(ui, |ui| {
        for line in standard_claims(jwt, now, inspector.local_offset) {
            ui.label(RichText::new(format!("{} ({})", line.name, line.claim)).strong());
            ui.label(RichText::new(line.meaning).color(palette.muted));
            ui.add(egui::Label::new(&line.value).wrap());
            ui.end_row();
        }
        ui.label(RichText::new("Signed with (alg)").strong());
        ui.label(RichText::new("how it was signed").color(palette.muted));
        let alg = jwt.algorithm.clone().unwrap_or_else(|| "(not said)".to_owned());
        ui.label(match &jwt.key_id {
            Some(kid) => format!("{alg}, key id (kid) {kid}"),
            None => alg,
        });
        ui.end_row();
    });

    dpop_binding_ui(inspector, jwt, ui, &palette);

    ui.add_space(8.0);
    scopes_ui(jwt, &inspector.expected, ui, &palette);

    ui.add_space(8.0);
    signature_ui(inspector, jwt, commands, ui, &palette);
    introspection_ui(inspector, commands, ui, &palette);

    ui.add_space(8.0);
    egui::CollapsingHeader::new("Header (JSON)").default_open(false).show(ui, |ui| json_ui(ui, &jwt.header, &palette));
    egui::CollapsingHeader::new("Claims (JSON)").default_open(true).show(ui, |ui| json_ui(ui, &jwt.claims, &palette));
}

/// A token bound to a `DPoP` key (`cnf.jkt`): to which key, and whether it is the profile's.
fn dpop_binding_ui(inspector: &TokenInspector, jwt: &Jwt, ui: &mut egui::Ui, palette: &Palette) {
    let Some(jkt) = jwt.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(serde_json::Value::as_str) else {
        return;
    };
    ui.add_space(8.0);
    section(ui, "Bound to a key (DPoP)");
    ui.horizontal_wrapped(|ui| {
        ui.label("Key thumbprint (cnf.jkt)");
        ui.label(RichText::new(jkt).monospace());
    });
    match &inspector.profile_dpop {
        Some(ours) => {
            let binding = crate::core::auth::dpop::Binding::of(jkt, ours.as_deref());
            let color =
                if binding == crate::core::auth::dpop::Binding::Matches { palette.success } else { palette.error };
            ui.label(RichText::new(format!("It {}", binding.words())).color(color));
        }
        None => {
            ui.label(
                RichText::new(
                    "Only the holder of that key can use this token: each request must carry a proof signed with it.",
                )
                .color(palette.muted),
            );
        }
    }
}

/// "Ask the sign-in server": whether the token is still active (RFC 7662), when the profile
/// names an introspection address.
fn introspection_ui(
    inspector: &mut TokenInspector,
    commands: &mut Vec<TokenCommand>,
    ui: &mut egui::Ui,
    palette: &Palette,
) {
    if !inspector.can_introspect {
        return;
    }
    ui.add_space(8.0);
    section(ui, "Ask the sign-in server");
    let now = time::OffsetDateTime::now_utc();
    match &inspector.introspection {
        IntrospectionState::Idle => {
            ui.label(
                RichText::new(
                    "The server that issued the token can say whether it is still active, even if it was revoked.",
                )
                .color(palette.muted),
            );
        }
        IntrospectionState::Asking { .. } => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Asking…");
            });
        }
        IntrospectionState::Done(Ok(said)) => {
            let (label, color) = if said.active { ("Active", palette.success) } else { ("Not active", palette.error) };
            ui.horizontal_wrapped(|ui| {
                chip(ui, label, color, true);
                ui.label(said.summary(now));
            });
        }
        IntrospectionState::Done(Err(why)) => {
            ui.label(RichText::new(format!("Could not ask: {why}")).color(palette.warning));
        }
    }
    let busy = matches!(inspector.introspection, IntrospectionState::Asking { .. });
    let label = if matches!(inspector.introspection, IntrospectionState::Done(_)) { "Ask again" } else { "Ask now" };
    if ui.add_enabled(!busy, egui::Button::new(label)).clicked() {
        commands.push(TokenCommand::Introspect);
    }
}

fn section(ui: &mut egui::Ui, title: &str) {
    ui.label(RichText::new(title).strong());
}

fn chip(ui: &mut egui::Ui, text: &str, color: egui::Color32, filled: bool) -> egui::Response {
    let frame = egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(egui::CornerRadius::same(10))
        .inner_margin(egui::Margin::symmetric(8, 2));
    let frame = if filled { frame.fill(color.gamma_multiply(0.2)) } else { frame };
    frame.show(ui, |ui| ui.label(RichText::new(text).color(color))).response
}

fn scopes_ui(jwt: &Jwt, expected: &[String], ui: &mut egui::Ui, palette: &Palette) {
    section(ui, "Permissions (scopes)");
    let missing = jwt.missing_scopes(expected);
    if jwt.scopes.is_empty() {
        ui.label(
            RichText::new("This token lists no permissions (no scope, scp, permissions or roles claim).")
                .color(palette.muted),
        );
    } else {
        ui.horizontal_wrapped(|ui| {
            for scope in &jwt.scopes {
                let wanted = expected.iter().any(|e| e.trim() == scope);
                chip(ui, scope, if wanted { palette.success } else { palette.text }, false);
            }
        });
        ui.label(RichText::new(format!("Read from: {}", jwt.scope_claims.join(", "))).small().color(palette.muted));
    }
    if !missing.is_empty() {
        ui.label(
            RichText::new(format!(
                "Missing {} the profile expects. Calls that need {} will be refused (403).",
                if missing.len() == 1 { "1 permission" } else { "permissions" },
                if missing.len() == 1 { "it" } else { "them" }
            ))
            .color(palette.error),
        );
        ui.horizontal_wrapped(|ui| {
            for scope in &missing {
                chip(ui, &format!("missing: {scope}"), palette.error, true);
            }
        });
    } else if !expected.is_empty() {
        ui.label(RichText::new("Every permission the profile expects is there.").color(palette.success));
    }
}

fn signature_ui(
    inspector: &mut TokenInspector,
    jwt: &Jwt,
    commands: &mut Vec<TokenCommand>,
    ui: &mut egui::Ui,
    palette: &Palette,
) {
    section(ui, "Signature");
    let (label, detail, color) = match &inspector.signature {
        SignatureState::Idle if jwt.is_unsigned() => (
            "Not signed".to_owned(),
            "This token is not signed (alg: none). Anyone could have written it, so an API should refuse it."
                .to_owned(),
            palette.error,
        ),
        SignatureState::Idle => {
            ("Not checked".to_owned(), "Choose a key below and press Check signature.".to_owned(), palette.muted)
        }
        SignatureState::Checking { .. } => ("Checking…".to_owned(), String::new(), palette.muted),
        SignatureState::Done(check) => {
            let color = match check {
                SignatureCheck::Verified { .. } => palette.success,
                SignatureCheck::Failed { .. } => palette.error,
                SignatureCheck::NotChecked { .. } => palette.warning,
            };
            (check.label().to_owned(), check.detail().to_owned(), color)
        }
    };
    ui.horizontal_wrapped(|ui| {
        chip(ui, &label, color, true);
        ui.label(detail);
    });
    if jwt.is_unsigned() {
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("Key");
        egui::ComboBox::from_id_salt("signature_key")
            .selected_text(inspector.key_choice.label())
            .width(300.0)
            .show_ui(ui, |ui| {
                for choice in KeyChoice::ALL {
                    ui.selectable_value(&mut inspector.key_choice, choice, choice.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    match inspector.key_choice {
        KeyChoice::None => {}
        KeyChoice::SharedSecret => {
            let label = ui.label("Shared secret");
            let for_profile = matches!(inspector.source, TokenSource::Profile { .. });
            ui.horizontal(|ui| {
                let hint = if for_profile {
                    "the secret the token was signed with"
                } else {
                    "the secret the token was signed with; not saved"
                };
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut *inspector.key_secret)
                        .password(true)
                        .desired_width(360.0)
                        .hint_text(hint),
                );
                if edit.changed() {
                    inspector.secret_remembered = false;
                }
                edit.labelled_by(label.id);
                if for_profile {
                    if inspector.secret_remembered {
                        ui.label(RichText::new("kept in the keychain").small().color(palette.muted));
                        if ui.small_button("Forget").clicked() {
                            commands.push(TokenCommand::RememberSecret(false));
                        }
                    } else if ui
                        .add_enabled(
                            !inspector.key_secret.is_empty(),
                            egui::Button::new("Remember for this profile").small(),
                        )
                        .on_hover_text(
                            "Keep the secret in the keychain, so this profile's tokens are checked with it every time",
                        )
                        .clicked()
                    {
                        commands.push(TokenCommand::RememberSecret(true));
                    }
                }
            });
        }
        KeyChoice::PublicKey => {
            let label = ui.label("Public key (PEM)");
            ui.add(
                egui::TextEdit::multiline(&mut inspector.key_pem)
                    .font(egui::TextStyle::Monospace)
                    .desired_rows(4)
                    .desired_width(ui.available_width())
                    .hint_text("-----BEGIN PUBLIC KEY-----"),
            )
            .labelled_by(label.id);
        }
        KeyChoice::KeySetUrl => {
            let label = ui.label("Key set URL (JWKS)");
            ui.add(
                egui::TextEdit::singleline(&mut inspector.jwks_url)
                    .desired_width(ui.available_width())
                    .hint_text("https://auth.example.com/.well-known/jwks.json"),
            )
            .labelled_by(label.id);
        }
    }
    let busy = matches!(inspector.signature, SignatureState::Checking { .. });
    if ui.add_enabled(!busy, egui::Button::new("Check signature")).clicked() {
        commands.push(TokenCommand::CheckSignature);
    }
}

/// JSON, pretty and coloured by the theme's JSON tokens.
fn json_ui(ui: &mut egui::Ui, map: &serde_json::Map<String, serde_json::Value>, palette: &Palette) {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let mut job = egui::text::LayoutJob::default();
    let mut push = |text: &str, color: egui::Color32| {
        job.append(text, 0.0, egui::TextFormat::simple(font.clone(), color));
    };
    write_json(&serde_json::Value::Object(map.clone()), 0, &mut push, palette);
    ui.add(egui::Label::new(job).wrap());
}

fn write_json(value: &serde_json::Value, depth: usize, push: &mut impl FnMut(&str, egui::Color32), p: &Palette) {
    use serde_json::Value;
    let indent = |d: usize| "  ".repeat(d);
    match value {
        Value::Object(map) if !map.is_empty() => {
            push("{\n", p.json_punctuation);
            for (i, (key, item)) in map.iter().enumerate() {
                push(&indent(depth + 1), p.json_punctuation);
                push(&serde_json::to_string(key).unwrap_or_default(), p.json_key);
                push(": ", p.json_punctuation);
                write_json(item, depth + 1, push, p);
                push(if i + 1 < map.len() { ",\n" } else { "\n" }, p.json_punctuation);
            }
            push(&format!("{}}}", indent(depth)), p.json_punctuation);
        }
        Value::Array(items) if !items.is_empty() => {
            push("[\n", p.json_punctuation);
            for (i, item) in items.iter().enumerate() {
                push(&indent(depth + 1), p.json_punctuation);
                write_json(item, depth + 1, push, p);
                push(if i + 1 < items.len() { ",\n" } else { "\n" }, p.json_punctuation);
            }
            push(&format!("{}]", indent(depth)), p.json_punctuation);
        }
        Value::Object(_) => push("{}", p.json_punctuation),
        Value::Array(_) => push("[]", p.json_punctuation),
        Value::String(_) => push(&value.to_string(), p.json_string),
        Value::Number(_) => push(&value.to_string(), p.json_number),
        Value::Bool(_) | Value::Null => push(&value.to_string(), p.json_literal),
    }
}
