//! The profile editor: create, edit, duplicate and delete profiles. Secrets are masked, can be
//! revealed on request, and "Copy" copies without showing. A new value replaces the one in the
//! keychain only when typed.

use crate::core::certificate::{CertState, CertificateFacts};
use crate::core::profile::{
    AuthKind, AuthMethod, ClientAuth, Environment, KeyPlacement, OAuth1Method, OAuth1Placement, Profile, ProfileDraft,
    ProfileId, SecretRef, SigV4Placement, SigningAlg,
};
use crate::core::secret::Secret;
use crate::ui::command::{Command, PemField, SecretPurpose};
use crate::ui::view::ViewCx;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    Sandbox,
    Production,
    Custom,
}

/// The form's fields, as text while being edited.
pub struct ProfileForm {
    pub id: ProfileId,
    pub is_new: bool,
    pub name: String,
    pub env: EnvKind,
    pub custom_label: String,
    pub custom_color: String,
    pub base_url: String,
    pub allowed_hosts: String,
    pub auth: AuthKind,
    pub key_name: String,
    pub key_placement: KeyPlacement,
    pub username: String,
    /// OAuth 2 client credentials: the token endpoint, client ID, how the client signs in,
    /// the permissions asked for, and the optional audience or resource.
    pub token_url: String,
    /// Authorization code: the sign-in page; device grant: the device authorization endpoint.
    pub authorization_url: String,
    pub client_id: String,
    pub client_auth: ClientAuth,
    pub oauth_scopes: String,
    pub audience: String,
    pub resource: String,
    /// Signed JWT (and a `private_key_jwt` assertion): algorithm and key ID; the claims template.
    pub jwt_alg: SigningAlg,
    pub jwt_key_id: String,
    pub jwt_issuer: String,
    pub jwt_subject: String,
    pub jwt_audience: String,
    pub jwt_scopes: String,
    pub jwt_claims: String,
    pub jwt_lifetime: String,
    /// AWS Signature V4: access key ID, region, service, header or presigned URL, its lifetime.
    pub aws_access_key_id: String,
    pub aws_region: String,
    pub aws_service: String,
    pub aws_placement: SigV4Placement,
    pub aws_expires: String,
    /// OAuth 1.0a: consumer key, token, signature method, where the parameters go, realm.
    pub oauth1_consumer_key: String,
    pub oauth1_token: String,
    pub oauth1_method: OAuth1Method,
    pub oauth1_placement: OAuth1Placement,
    pub oauth1_realm: String,
    /// Token checks: the key set to check signatures with, the introspection endpoint.
    pub jwks_url: String,
    pub introspection_url: String,
    /// The GET "Check setup" sends to prove the credential works.
    pub check_path: String,
    /// A new secret value typed by the user; empty keeps the saved one.
    pub new_secret: Zeroizing<String>,
    pub show_new_secret: bool,
    /// The method's second secret, typed here: OAuth 1's token secret, AWS's session token.
    pub second_secret: TypedSecret,
    /// Bind the access token to a `DPoP` key (made on save, kept in the keychain).
    pub dpop: bool,
    pub scopes: String,
    pub variables: Vec<(String, String)>,
    pub notes: String,
    /// Client certificate (mutual TLS): PEM text pasted or loaded from a file, to import.
    pub cert: CertificateForm,
    pub original: Option<Profile>,
    /// The fields as loaded or last saved, to tell unsaved changes.
    baseline: Vec<String>,
}

/// A secret being typed, and whether it is shown while typed.
#[derive(Default)]
pub struct TypedSecret {
    pub value: Zeroizing<String>,
    pub shown: bool,
}

/// The client-certificate section of the form.
#[derive(Default)]
pub struct CertificateForm {
    pub certificate_pem: String,
    /// The private key as pasted or loaded; goes to the keychain on import, never to a file.
    pub key_pem: Zeroizing<String>,
    pub show_key: bool,
    pub certificate_path: String,
    pub key_path: String,
    pub ca_path: String,
    /// A PKCS#12 bundle's path and passphrase (the passphrase is used once, not kept).
    pub pkcs12_path: String,
    pub pkcs12_passphrase: Zeroizing<String>,
    /// Extra trusted authorities (PEM), saved with the profile.
    pub ca_pem: String,
    /// What the saved certificate says, read when the form was opened.
    pub facts: Option<Result<CertificateFacts, String>>,
    pub confirm_remove: bool,
}

impl ProfileForm {
    pub fn blank() -> Self {
        let id = ProfileId::random();
        Self {
            id,
            is_new: true,
            name: String::new(),
            env: EnvKind::Sandbox,
            custom_label: "Staging".to_owned(),
            custom_color: "#d08a2c".to_owned(),
            base_url: "https://".to_owned(),
            allowed_hosts: String::new(),
            auth: AuthKind::ApiKey,
            key_name: "X-Api-Key".to_owned(),
            key_placement: KeyPlacement::Header,
            username: String::new(),
            token_url: "https://".to_owned(),
            client_id: String::new(),
            client_auth: ClientAuth::BasicHeader,
            oauth_scopes: String::new(),
            audience: String::new(),
            resource: String::new(),
            jwt_alg: SigningAlg::HS256,
            jwt_key_id: String::new(),
            jwt_issuer: String::new(),
            jwt_subject: String::new(),
            jwt_audience: String::new(),
            jwt_scopes: String::new(),
            jwt_claims: String::new(),
            jwt_lifetime: crate::core::profile::SignedJwt::DEFAULT_LIFETIME_SECS.to_string(),
            aws_access_key_id: String::new(),
            aws_region: String::new(),
            aws_service: String::new(),
            aws_placement: SigV4Placement::Header,
            aws_expires: crate::core::profile::AwsSigV4::DEFAULT_EXPIRES_SECS.to_string(),
            oauth1_consumer_key: String::new(),
            oauth1_token: String::new(),
            oauth1_method: OAuth1Method::HmacSha1,
            oauth1_placement: OAuth1Placement::Header,
            oauth1_realm: String::new(),
            jwks_url: String::new(),
            introspection_url: String::new(),
            check_path: String::new(),
            authorization_url: String::new(),
            new_secret: Zeroizing::new(String::new()),
            show_new_secret: false,
            second_secret: TypedSecret::default(),
            dpop: false,
            scopes: String::new(),
            variables: Vec::new(),
            notes: String::new(),
            cert: CertificateForm::default(),
            original: None,
            baseline: Vec::new(),
        }
    }

    /// Every editable field as text, to compare with the baseline. Secrets count only as typed.
    fn snapshot(&self) -> Vec<String> {
        let mut fields = vec![
            self.name.clone(),
            format!("{:?}", self.env),
            self.custom_label.clone(),
            self.custom_color.clone(),
            self.base_url.clone(),
            self.allowed_hosts.clone(),
            format!("{:?}", self.auth),
            self.key_name.clone(),
            format!("{:?}", self.key_placement),
            self.username.clone(),
            self.token_url.clone(),
            self.authorization_url.clone(),
            self.client_id.clone(),
            format!("{:?}", self.client_auth),
            self.oauth_scopes.clone(),
            self.audience.clone(),
            self.resource.clone(),
            format!("{:?}", self.jwt_alg),
            self.jwt_key_id.clone(),
            self.jwt_issuer.clone(),
            self.jwt_subject.clone(),
            self.jwt_audience.clone(),
            self.jwt_scopes.clone(),
            self.jwt_claims.clone(),
            self.jwt_lifetime.clone(),
            self.aws_access_key_id.clone(),
            self.aws_region.clone(),
            self.aws_service.clone(),
            format!("{:?}", self.aws_placement),
            self.aws_expires.clone(),
            self.oauth1_consumer_key.clone(),
            self.oauth1_token.clone(),
            format!("{:?}", self.oauth1_method),
            format!("{:?}", self.oauth1_placement),
            self.oauth1_realm.clone(),
            self.jwks_url.clone(),
            self.introspection_url.clone(),
            self.check_path.clone(),
            self.scopes.clone(),
            self.notes.clone(),
            self.cert.ca_pem.clone(),
            (!self.new_secret.is_empty()).to_string(),
            (!self.second_secret.value.is_empty()).to_string(),
            self.dpop.to_string(),
        ];
        for (k, v) in &self.variables {
            fields.push(format!("{k}={v}"));
        }
        fields
    }

    /// The form differs from the profile as saved (a new profile always does).
    pub fn is_dirty(&self) -> bool {
        self.is_new || self.snapshot() != self.baseline
    }

    pub fn from_profile(p: &Profile) -> Self {
        let mut form = Self::blank();
        form.id = p.id.clone();
        form.is_new = false;
        form.name.clone_from(&p.name);
        form.dpop = p.dpop_key.is_some();
        match &p.environment {
            Environment::Sandbox => form.env = EnvKind::Sandbox,
            Environment::Production => form.env = EnvKind::Production,
            Environment::Custom { label, color } => {
                form.env = EnvKind::Custom;
                form.custom_label.clone_from(label);
                form.custom_color.clone_from(color);
            }
        }
        form.base_url.clone_from(&p.base_url);
        form.allowed_hosts = p.allowed_hosts.join(", ");
        form.auth = p.auth.kind();
        match &p.auth {
            AuthMethod::ApiKey { name, placement, .. } => {
                form.key_name.clone_from(name);
                form.key_placement = *placement;
            }
            AuthMethod::Basic { username, .. } | AuthMethod::Digest { username, .. } => {
                form.username.clone_from(username);
            }
            AuthMethod::OAuthClientCredentials(settings) => {
                form.token_url.clone_from(&settings.token_url);
                form.client_id.clone_from(&settings.client_id);
                form.client_auth = settings.client_auth;
                form.oauth_scopes = settings.scopes.join(" ");
                form.audience = settings.audience.clone().unwrap_or_default();
                form.resource = settings.resource.clone().unwrap_or_default();
                if let Some(key) = &settings.assertion {
                    form.jwt_alg = key.algorithm;
                    form.jwt_key_id = key.key_id.clone().unwrap_or_default();
                }
            }
            AuthMethod::SignedJwt(settings) => {
                form.jwt_alg = settings.algorithm;
                form.jwt_key_id = settings.key_id.clone().unwrap_or_default();
                form.jwt_issuer.clone_from(&settings.issuer);
                form.jwt_subject.clone_from(&settings.subject);
                form.jwt_audience.clone_from(&settings.audience);
                form.jwt_scopes = settings.scopes.join(" ");
                form.jwt_claims.clone_from(&settings.extra_claims);
                form.jwt_lifetime = settings.lifetime_secs.to_string();
            }
            AuthMethod::OAuthAuthorizationCode(settings) | AuthMethod::OAuthDevice(settings) => {
                form.authorization_url.clone_from(&settings.authorization_url);
                form.token_url.clone_from(&settings.token_url);
                form.client_id.clone_from(&settings.client_id);
                form.oauth_scopes = settings.scopes.join(" ");
                form.audience = settings.audience.clone().unwrap_or_default();
            }
            AuthMethod::AwsSigV4(settings) => {
                form.aws_access_key_id.clone_from(&settings.access_key_id);
                form.aws_region.clone_from(&settings.region);
                form.aws_service.clone_from(&settings.service);
                form.aws_placement = settings.placement;
                form.aws_expires = settings.expires_secs.to_string();
            }
            AuthMethod::OAuth1(settings) => {
                form.oauth1_consumer_key.clone_from(&settings.consumer_key);
                form.oauth1_token.clone_from(&settings.token);
                form.oauth1_method = settings.method;
                form.oauth1_placement = settings.placement;
                form.oauth1_realm = settings.realm.clone().unwrap_or_default();
            }
            AuthMethod::None | AuthMethod::Bearer { .. } => {}
        }
        form.jwks_url = p.token_checks.jwks_url.clone().unwrap_or_default();
        form.check_path = p.check_path.clone().unwrap_or_default();
        form.introspection_url = p.token_checks.introspection_url.clone().unwrap_or_default();
        form.scopes = p.expected_scopes.join(" ");
        form.variables = p.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        form.notes.clone_from(&p.notes);
        form.cert.ca_pem = p.ca_bundle_pem.clone().unwrap_or_default();
        form.cert.facts = p.client_certificate.as_ref().map(|identity| {
            crate::core::certificate::facts_from_pem(&identity.certificate_pem, time::OffsetDateTime::now_utc())
                .map_err(|e| e.to_string())
        });
        form.original = Some(p.clone());
        form.baseline = form.snapshot();
        form
    }

    /// The form as a draft for the one profile builder (`ProfileDraft::build`), which the
    /// command line uses too: both refuse the same things with the same reasons.
    pub fn to_draft(&self) -> ProfileDraft {
        let mut draft = ProfileDraft::new(self.auth);
        draft.id = self.id.clone();
        self.name.clone_into(&mut draft.name);
        draft.environment = match self.env {
            EnvKind::Sandbox => Environment::Sandbox,
            EnvKind::Production => Environment::Production,
            EnvKind::Custom => {
                Environment::Custom { label: self.custom_label.clone(), color: self.custom_color.clone() }
            }
        };
        self.base_url.clone_into(&mut draft.base_url);
        draft.allowed_hosts = vec![self.allowed_hosts.clone()];
        draft.expected_scopes = vec![self.scopes.clone()];
        // A row left empty is no input; a value without a name is refused by the builder.
        draft.variables = self
            .variables
            .iter()
            .filter(|(k, v)| !(k.trim().is_empty() && v.is_empty()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.notes.clone_into(&mut draft.notes);
        self.jwks_url.clone_into(&mut draft.jwks_url);
        self.introspection_url.clone_into(&mut draft.introspection_url);
        self.check_path.clone_into(&mut draft.check_path);
        self.cert.ca_pem.clone_into(&mut draft.ca_bundle_pem);
        let auth = &mut draft.auth;
        self.key_name.clone_into(&mut auth.key_name);
        auth.key_placement = self.key_placement;
        self.username.clone_into(&mut auth.username);
        self.token_url.clone_into(&mut auth.token_url);
        self.authorization_url.clone_into(&mut auth.authorization_url);
        self.client_id.clone_into(&mut auth.client_id);
        auth.client_auth = self.client_auth;
        auth.oauth_scopes = vec![self.oauth_scopes.clone()];
        self.audience.clone_into(&mut auth.audience);
        self.resource.clone_into(&mut auth.resource);
        auth.alg = self.jwt_alg;
        self.jwt_key_id.clone_into(&mut auth.key_id);
        self.jwt_issuer.clone_into(&mut auth.jwt_issuer);
        self.jwt_subject.clone_into(&mut auth.jwt_subject);
        self.jwt_audience.clone_into(&mut auth.jwt_audience);
        auth.jwt_scopes = vec![self.jwt_scopes.clone()];
        self.jwt_claims.clone_into(&mut auth.jwt_claims);
        self.jwt_lifetime.clone_into(&mut auth.jwt_lifetime);
        self.aws_access_key_id.clone_into(&mut auth.aws_access_key_id);
        self.aws_region.clone_into(&mut auth.aws_region);
        self.aws_service.clone_into(&mut auth.aws_service);
        auth.aws_placement = self.aws_placement;
        self.aws_expires.clone_into(&mut auth.aws_expires);
        self.oauth1_consumer_key.clone_into(&mut auth.oauth1_consumer_key);
        self.oauth1_token.clone_into(&mut auth.oauth1_token);
        auth.oauth1_method = self.oauth1_method;
        auth.oauth1_placement = self.oauth1_placement;
        self.oauth1_realm.clone_into(&mut auth.oauth1_realm);
        draft
    }

    /// The profile this form describes, or what is wrong with it (the builder's reason).
    pub fn to_profile(&self) -> Result<Profile, String> {
        self.to_draft().build(self.original.as_ref()).map_err(|e| e.to_string())
    }
}

impl ProfileForm {
    /// The secret typed here is a PEM private key (several lines), not a one-line secret.
    fn secret_is_pem(&self) -> bool {
        match self.auth {
            AuthKind::SignedJwt => !self.jwt_alg.is_shared_secret(),
            AuthKind::OAuthClientCredentials => self.client_auth == ClientAuth::PrivateKeyJwt,
            AuthKind::OAuth1 => self.oauth1_method == OAuth1Method::RsaSha1,
            _ => false,
        }
    }
}

/// The editor window's state.
pub struct ProfileEditor {
    pub form: Option<ProfileForm>,
    pub status: Option<String>,
    pub revealed: Option<Secret>,
    pub confirm_delete: bool,
    /// A secret was just replaced: offer to run the setup check.
    pub suggest_check: bool,
}

impl ProfileEditor {
    /// A PEM file was read: put it in its field.
    pub fn pem_loaded(&mut self, field: PemField, text: Zeroizing<String>) {
        let Some(form) = &mut self.form else { return };
        match field {
            PemField::Certificate => text.as_str().clone_into(&mut form.cert.certificate_pem),
            PemField::Key => form.cert.key_pem = text,
            PemField::CaBundle => text.as_str().clone_into(&mut form.cert.ca_pem),
        }
        self.status = None;
    }

    pub fn saved(&mut self, profiles: &[Profile], id: &ProfileId) {
        let before = self.form.as_ref().and_then(|f| f.original.as_ref()).and_then(|p| p.secret_change.clone());
        self.form = profiles.iter().find(|p| &p.id == id).map(ProfileForm::from_profile);
        self.revealed = None;
        let after = profiles.iter().find(|p| &p.id == id).and_then(|p| p.secret_change.clone());
        // A replaced secret (rotation): say what it replaced, and suggest checking the new one.
        self.status = Some(match (&before, &after) {
            (Some(old), Some(new)) if old.set_at != new.set_at => {
                self.suggest_check = true;
                format!(
                    "Saved. The new secret ({}) replaced {}. Run Check setup to make sure the new one works.",
                    new.fingerprint, old.fingerprint
                )
            }
            _ => "Saved.".to_owned(),
        });
    }

    pub fn failed(&mut self, error: String) {
        self.status = Some(error);
    }
}

impl ProfileEditor {
    /// The editor, open on this profile (or on none).
    pub fn on(profile: Option<&Profile>) -> Self {
        Self {
            form: profile.map(ProfileForm::from_profile),
            status: None,
            revealed: None,
            confirm_delete: false,
            suggest_check: false,
        }
    }

    /// The window; `false` once it was closed.
    pub fn show(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>, commands: &mut Vec<Command>) -> bool {
        editor_window_ui(self, ctx, cx, commands)
    }
}

fn editor_window_ui(
    editor: &mut ProfileEditor,
    ctx: &egui::Context,
    cx: &ViewCx<'_>,
    commands: &mut Vec<Command>,
) -> bool {
    let mut open = true;
    let top_center = ctx.content_rect().center_top() + egui::vec2(0.0, 56.0);
    egui::Window::new("Profiles")
        .open(&mut open)
        .default_size([820.0, 560.0])
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(top_center)
        .collapsible(false)
        .show(ctx, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(220.0);
                    list_ui(editor, ui, cx, commands);
                });
                ui.separator();
                ui.vertical(|ui| form_ui(editor, ui, cx, commands));
            });
        });
    open
}

fn list_ui(editor: &mut ProfileEditor, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    for profile in cx.profiles {
        let selected = editor.form.as_ref().is_some_and(|f| f.id == profile.id);
        let color = cx.theme.environment_color(&profile.environment);
        let text = egui::RichText::new(&profile.name).color(if selected { cx.theme.palette.text } else { color });
        if ui.selectable_label(selected, text).clicked() {
            editor.form = Some(ProfileForm::from_profile(profile));
            editor.revealed = None;
            editor.status = None;
            editor.confirm_delete = false;
        }
    }
    ui.add_space(8.0);
    ui.horizontal_wrapped(|ui| {
        if ui.button("New profile").clicked() {
            editor.form = Some(ProfileForm::blank());
            editor.revealed = None;
            editor.status = None;
        }
        let existing = editor.form.as_ref().filter(|f| !f.is_new).map(|f| f.id.clone());
        if let Some(id) = existing {
            if ui.button("Duplicate").clicked() {
                commands.push(Command::DuplicateProfile(id.clone()));
            }
            if editor.confirm_delete {
                if ui
                    .button(egui::RichText::new("Yes, delete it and its secret").color(cx.theme.palette.error))
                    .clicked()
                {
                    commands.push(Command::DeleteProfile(id));
                    editor.form = None;
                    editor.confirm_delete = false;
                }
            } else if ui.button("Delete…").clicked() {
                editor.confirm_delete = true;
            }
        }
    });
}

/// The editor's sections, each folding on its own.
const LABEL_WIDTH: f32 = 190.0;

fn section_grid(ui: &mut egui::Ui, id: &str, add: impl FnOnce(&mut egui::Ui)) {
    egui::Grid::new(id).num_columns(2).spacing([12.0, 8.0]).min_col_width(LABEL_WIDTH).show(ui, add);
}

fn form_ui(editor: &mut ProfileEditor, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let Some(form) = &mut editor.form else {
        ui.label("Choose a profile on the left, or create a new one.");
        return;
    };
    let dirty = form.is_dirty();
    if dirty && editor.status.as_deref().is_some_and(|s| s.starts_with("Saved.")) {
        // "Saved." no longer holds once the form changed again.
        editor.status = None;
    }
    ui.horizontal(|ui| {
        let title = if form.is_new { "New profile".to_owned() } else { form.name.clone() };
        ui.label(egui::RichText::new(title).heading().strong());
        if dirty {
            ui.label(egui::RichText::new("Unsaved changes").color(palette.warning))
                .on_hover_text("Save with Ctrl+S or the button below");
        }
    });
    let save_height = 56.0;
    egui::ScrollArea::vertical()
        .id_salt(("profile_form", form.id.0.as_str()))
        .max_height((ui.available_height() - save_height).max(160.0))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::CollapsingHeader::new(egui::RichText::new("Connection").strong())
                .id_salt("section_connection")
                .default_open(true)
                .show(ui, |ui| {
                    section_grid(ui, "connection_grid", |ui| {
                        labelled_text(ui, "Name", &mut form.name, "Shop — Sandbox");
                        ui.end_row();
                        ui.label("Environment");
                        ui.horizontal(|ui| {
                            ui.selectable_value(&mut form.env, EnvKind::Sandbox, "Sandbox (test)");
                            ui.selectable_value(
                                &mut form.env,
                                EnvKind::Production,
                                egui::RichText::new("Production (live)").color(palette.production),
                            );
                            ui.selectable_value(&mut form.env, EnvKind::Custom, "Other…");
                        });
                        ui.end_row();
                        if form.env == EnvKind::Custom {
                            labelled_text(ui, "Environment label", &mut form.custom_label, "Staging");
                            ui.end_row();
                            labelled_text(ui, "Colour", &mut form.custom_color, "#d08a2c");
                            ui.end_row();
                        }
                        labelled_text(ui, "Base URL", &mut form.base_url, "https://api.example.com");
                        ui.end_row();
                        labelled_text(ui, "Allowed hosts", &mut form.allowed_hosts, "empty: the base URL's host");
                        ui.end_row();
                        labelled_text(
                            ui,
                            "Check address (optional)",
                            &mut form.check_path,
                            "/v1/me — a GET that needs the credential, sent by Check setup",
                        );
                        ui.end_row();
                    });
                });
            egui::CollapsingHeader::new(egui::RichText::new("Sign-in").strong())
                .id_salt("section_sign_in")
                .default_open(true)
                .show(ui, |ui| {
                    section_grid(ui, "sign_in_grid", |ui| {
                        let method_label = ui.label("Sign-in method");
                        let combo = egui::ComboBox::from_id_salt("auth_kind").selected_text(form.auth.label()).show_ui(
                            ui,
                            |ui| {
                                for kind in AuthKind::ALL {
                                    ui.selectable_value(&mut form.auth, kind, kind.label());
                                }
                            },
                        );
                        combo.response.labelled_by(method_label.id);
                        ui.end_row();
            match form.auth {
                            AuthKind::ApiKey => {
                                labelled_text(ui, "Key name", &mut form.key_name, "X-Api-Key");
                                ui.end_row();
                                ui.label("Sent in");
                                ui.horizontal(|ui| {
                                    ui.selectable_value(&mut form.key_placement, KeyPlacement::Header, "a header");
                                    ui.selectable_value(&mut form.key_placement, KeyPlacement::Query, "the query string");
                                });
                                ui.end_row();
                            }
                            AuthKind::Basic | AuthKind::Digest => {
                                labelled_text(ui, "Username", &mut form.username, "");
                                ui.end_row();
                            }
                            AuthKind::OAuth1 => {
                                labelled_text(ui, "Consumer key", &mut form.oauth1_consumer_key, "from the API's app settings");
                                ui.end_row();
                                labelled_text(ui, "Token (optional)", &mut form.oauth1_token, "the access token");
                                ui.end_row();
                                ui.label("Signature method");
                                ui.horizontal(|ui| {
                                    for method in OAuth1Method::ALL {
                                        ui.selectable_value(&mut form.oauth1_method, method, method.name());
                                    }
                                });
                                ui.end_row();
                                ui.label("Parameters in");
                                ui.horizontal(|ui| {
                                    ui.selectable_value(&mut form.oauth1_placement, OAuth1Placement::Header, "the Authorization header");
                                    ui.selectable_value(&mut form.oauth1_placement, OAuth1Placement::Query, "the query string");
                                    ui.selectable_value(&mut form.oauth1_placement, OAuth1Placement::Body, "the form body");
                                });
                                ui.end_row();
                                labelled_text(ui, "Realm (optional)", &mut form.oauth1_realm, "NetSuite: your account ID");
                                ui.end_row();
                            }
                            AuthKind::AwsSigV4 => {
                                labelled_text(ui, "Access key ID", &mut form.aws_access_key_id, "from the IAM console");
                                ui.end_row();
                                labelled_text(ui, "Region", &mut form.aws_region, "us-east-1");
                                ui.end_row();
                                labelled_text(ui, "Service", &mut form.aws_service, "s3, execute-api, sqs…");
                                ui.end_row();
                                ui.label("Signature in");
                                ui.horizontal(|ui| {
                                    ui.selectable_value(&mut form.aws_placement, SigV4Placement::Header, "the Authorization header");
                                    ui.selectable_value(&mut form.aws_placement, SigV4Placement::Query, "a presigned URL");
                                });
                                ui.end_row();
                                if form.aws_placement == SigV4Placement::Query {
                                    labelled_text(ui, "Presigned URL good for (seconds)", &mut form.aws_expires, "900");
                                    ui.end_row();
                                }
                            }
                            AuthKind::OAuthClientCredentials => {
                                labelled_text(ui, "Token URL", &mut form.token_url, "https://login.example.com/oauth/token");
                                ui.end_row();
                                labelled_text(ui, "Client ID", &mut form.client_id, "from the app's settings");
                                ui.end_row();
                                ui.label("The app proves itself with");
                                ui.horizontal(|ui| {
                                    for choice in ClientAuth::ALL {
                                        let text = match choice {
                                            ClientAuth::PrivateKeyJwt => choice.label().to_owned(),
                                            _ => format!("its secret in {}", choice.label()),
                                        };
                                        ui.selectable_value(&mut form.client_auth, choice, text);
                                    }
                                });
                                ui.end_row();
                                if form.client_auth == ClientAuth::PrivateKeyJwt {
                                    if form.jwt_alg.is_shared_secret() {
                                        form.jwt_alg = SigningAlg::ES256;
                                    }
                                    algorithm_ui(ui, &mut form.jwt_alg, false);
                                    ui.end_row();
                                    labelled_text(
                                        ui,
                                        "Key ID (kid, optional)",
                                        &mut form.jwt_key_id,
                                        "the key's ID at the sign-in server",
                                    );
                                    ui.end_row();
                                }
                                labelled_text(ui, "Ask for permissions", &mut form.oauth_scopes, "orders:read orders:write");
                                ui.end_row();
                                labelled_text(ui, "Audience (optional)", &mut form.audience, "https://api.example.com");
                                ui.end_row();
                                labelled_text(ui, "Resource (optional)", &mut form.resource, "https://api.example.com");
                                ui.end_row();
                            }
                            AuthKind::SignedJwt => signed_jwt_fields_ui(form, ui, palette),
                            AuthKind::OAuthAuthorizationCode | AuthKind::OAuthDevice => {
                                let (label, hint) = if form.auth == AuthKind::OAuthDevice {
                                    ("Device authorization URL", "https://login.example.com/oauth/device_authorization")
                                } else {
                                    ("Sign-in page URL", "https://login.example.com/oauth/authorize")
                                };
                                labelled_text(ui, label, &mut form.authorization_url, hint);
                                ui.end_row();
                                labelled_text(ui, "Token URL", &mut form.token_url, "https://login.example.com/oauth/token");
                                ui.end_row();
                                labelled_text(ui, "Client ID", &mut form.client_id, "from the app's settings");
                                ui.end_row();
                                labelled_text(ui, "Ask for permissions", &mut form.oauth_scopes, "orders:read orders:write");
                                ui.end_row();
                                labelled_text(ui, "Audience (optional)", &mut form.audience, "https://api.example.com");
                                ui.end_row();
                            }
                            AuthKind::None | AuthKind::Bearer => {}
                        }
                        if form.auth != AuthKind::None {
                            secret_row_ui(commands, form, &mut editor.revealed, ui, palette);
                        }
                        second_secret_row_ui(form, ui);
                        dpop_row_ui(form, ui, palette);
            let saved_oauth = form
                            .original
                            .as_ref()
                            .filter(|p| p.auth.is_oauth() && p.auth.kind() == form.auth)
                            .map(|p| p.id.clone());
                        if let Some(id) = saved_oauth {
                            ui.label("Access token");
                            let person = form.original.as_ref().is_some_and(|p| p.auth.user_sign_in().is_some());
                            ui.horizontal_wrapped(|ui| {
                                ui.set_max_width(520.0);
                                commands.extend(crate::ui::panels::token_ui::get_new_token_ui(ui, cx, &id));
                                let now = time::OffsetDateTime::now_utc();
                                let local = time::UtcOffset::local_offset_at(now).unwrap_or(time::UtcOffset::UTC);
                                match cx.token_fetch.filter(|f| *f.profile() == id) {
                                    Some(crate::ui::panels::token_ui::TokenFetch::Done(_, info)) => {
                                        ui.label(crate::ui::panels::token_ui::obtained_words(info, now, local));
                                    }
                                    Some(crate::ui::panels::token_ui::TokenFetch::Failed(_, error)) => {
                                        ui.label(egui::RichText::new(error).color(palette.error));
                                    }
                                    Some(crate::ui::panels::token_ui::TokenFetch::InFlight(_)) => {}
                                    None => {
                                        let current =
                                            cx.active_token.filter(|v| v.profile == id).and_then(|v| match &v.token {
                                                crate::ui::panels::token_ui::ActiveToken::Jwt(jwt) => Some(format!(
                                                    "Current {} · {}",
                                                    crate::core::token::time_words::short_state_words(
                                                        jwt,
                                                        now,
                                                        crate::core::token::DEFAULT_SOON
                                                    ),
                                                    jwt.fingerprint
                                                )),
                                                _ => None,
                                            });
                                        ui.label(
                                            egui::RichText::new(current.unwrap_or_else(|| {
                                                if person {
                                                    "Sign in once; after that Gatepass renews the token itself until the sign-in runs out".to_owned()
                                                } else {
                                                    "Got automatically before a send; kept until a minute before it expires".to_owned()
                                                }
                                            }))
                                            .color(palette.muted),
                                        );
                                    }
                                }
                            });
                            ui.end_row();
                        }
                        if matches!(form.auth, AuthKind::Bearer | AuthKind::OAuthClientCredentials | AuthKind::SignedJwt) {
                            labelled_text(
                                ui,
                                "Key set URL (optional)",
                                &mut form.jwks_url,
                                "JWKS that checks token signatures, e.g. …/.well-known/jwks.json",
                            );
                            ui.end_row();
                            labelled_text(
                                ui,
                                "Introspection URL (optional)",
                                &mut form.introspection_url,
                                "asks the server whether a token is active, e.g. …/oauth/introspect",
                            );
                            ui.end_row();
                        }
                    });
                });
            egui::CollapsingHeader::new(egui::RichText::new("Permissions").strong())
                .id_salt("section_permissions")
                .default_open(true)
                .show(ui, |ui| {
                    section_grid(ui, "permissions_grid", |ui| {
                        labelled_text(ui, "Permissions (scopes)", &mut form.scopes, "orders:read orders:write");
                        ui.end_row();
                    });
                    ui.label(
                        egui::RichText::new("The permissions this profile's credential should have; Check setup and the explanations compare with them.")
                            .small()
                            .color(palette.muted),
                    );
                });
            let has_certificate = form.cert.facts.is_some() || !form.cert.ca_pem.trim().is_empty();
            egui::CollapsingHeader::new(egui::RichText::new("Client certificate").strong())
                .id_salt(("section_certificate", has_certificate))
                .default_open(has_certificate)
                .show(ui, |ui| {
                    section_grid(ui, "certificate_grid", |ui| certificate_rows_ui(commands, form, ui, palette));
                });
            egui::CollapsingHeader::new(egui::RichText::new(format!("Variables ({})", form.variables.len())).strong())
                .id_salt("section_variables")
                .default_open(!form.variables.is_empty())
                .show(ui, |ui| variables_ui(ui, form, palette));
            egui::CollapsingHeader::new(egui::RichText::new("Notes").strong())
                .id_salt("section_notes")
                .default_open(!form.notes.is_empty())
                .show(ui, |ui| {
                    let label = ui.label(egui::RichText::new("Notes").small().color(palette.muted));
                    ui.add(egui::TextEdit::multiline(&mut form.notes).desired_rows(3).desired_width(f32::INFINITY))
                        .labelled_by(label.id);
                });
        });
    ui.separator();
    let ctrl_s = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S));
    ui.horizontal_wrapped(|ui| {
        let label = if form.is_new { "Create profile" } else { "Save changes" };
        let clicked = ui.button(egui::RichText::new(label).strong()).on_hover_text("Ctrl+S").clicked();
        if clicked || ctrl_s {
            editor.status = Some(save(form, commands));
        }
        if let Some(status) = &editor.status {
            ui.label(status);
        }
        if editor.suggest_check && ui.button("Check setup").clicked() {
            editor.suggest_check = false;
            commands.push(Command::Check(crate::ui::command::CheckCommand::All));
        }
    });
}

/// Save the form: the profile (and a typed secret) go to the app; returns what to say.
fn save(form: &mut ProfileForm, commands: &mut Vec<Command>) -> String {
    match form.to_profile() {
        Ok(profile) => {
            let secret = (!form.new_secret.is_empty()).then(|| Secret::new(form.new_secret.as_str()));
            let optional = profile.auth.user_sign_in().is_some();
            let second = second_secret_slot(&profile.auth)
                .filter(|_| !form.second_secret.value.is_empty())
                .map(|slot| (slot, Secret::new(form.second_secret.value.as_str())));
            let needs_token_secret = matches!(&profile.auth, AuthMethod::OAuth1(o) if !o.token.trim().is_empty() && o.method != OAuth1Method::RsaSha1)
                && second.is_none()
                && form
                    .original
                    .as_ref()
                    .is_none_or(|p| !matches!(&p.auth, AuthMethod::OAuth1(o) if !o.token.trim().is_empty()));
            let carries = profile.auth.carries_access_token();
            let dpop = match (form.dpop && carries, profile.dpop_key.is_some()) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            };
            if form.is_new && secret.is_none() && profile.auth.secret_ref().is_some() && !optional {
                format!("Paste the {} before creating the profile.", profile.auth.secret_label())
            } else if let (AuthMethod::OAuth1(o), Some(key)) = (&profile.auth, &secret)
                && o.method == OAuth1Method::RsaSha1
                && let Err(why) = crate::core::auth::oauth1::check_rsa_key(key)
            {
                why.to_string()
            } else if needs_token_secret {
                "Paste the token secret that came with the token, or leave the token empty.".to_owned()
            } else {
                form.new_secret = Zeroizing::new(String::new());
                form.second_secret = TypedSecret::default();
                commands.push(Command::SaveProfile { profile: Box::new(profile), secret, second, dpop });
                "Saving…".to_owned()
            }
        }
        Err(e) => e,
    }
}

/// The method's second secret slot: OAuth 1's token secret, AWS's session token.
fn second_secret_slot(auth: &AuthMethod) -> Option<SecretRef> {
    match auth {
        AuthMethod::OAuth1(o) => Some(o.token_secret.clone()),
        AuthMethod::AwsSigV4(s) => Some(s.session_token.clone()),
        _ => None,
    }
}

/// OAuth 1's token secret (with a token) and AWS's session token: typed here, kept in the keychain.
fn second_secret_row_ui(form: &mut ProfileForm, ui: &mut egui::Ui) {
    let saved = form.original.as_ref().filter(|p| p.auth.kind() == form.auth);
    let (label, hint) = match form.auth {
        // RSA-SHA1 signs with the private key alone: no token secret.
        AuthKind::OAuth1 if !form.oauth1_token.trim().is_empty() && form.oauth1_method != OAuth1Method::RsaSha1 => {
            let had = saved.is_some_and(|p| matches!(&p.auth, AuthMethod::OAuth1(o) if !o.token.trim().is_empty()));
            (
                if had { "Replace token secret" } else { "Token secret (required with a token)" },
                "the secret that came with the token; keychain only",
            )
        }
        AuthKind::AwsSigV4 => (
            if saved.is_some() { "Replace session token (optional)" } else { "Session token (optional)" },
            "only for temporary credentials (STS); keychain only",
        ),
        _ => return,
    };
    let label = ui.label(label);
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut *form.second_secret.value)
                .password(!form.second_secret.shown)
                .desired_width(300.0)
                .hint_text(hint),
        )
        .labelled_by(label.id);
        ui.checkbox(&mut form.second_secret.shown, "Show");
    });
    ui.end_row();
}

/// Bind the access token to a `DPoP` key (RFC 9449): for a pasted token and every OAuth sign-in.
fn dpop_row_ui(form: &mut ProfileForm, ui: &mut egui::Ui, palette: crate::ui::theme::Palette) {
    if !matches!(
        form.auth,
        AuthKind::Bearer | AuthKind::OAuthClientCredentials | AuthKind::OAuthAuthorizationCode | AuthKind::OAuthDevice
    ) {
        return;
    }
    ui.label("Proof of possession");
    ui.vertical(|ui| {
        ui.checkbox(&mut form.dpop, "Bind the token to a DPoP key (RFC 9449)").on_hover_text(
            "Gatepass makes a key for this profile and keeps it in the keychain. Each request then carries a fresh proof signed with it, so a stolen token is of no use without the key.",
        );
        let had = form.original.as_ref().is_some_and(|p| p.dpop_key.is_some());
        let note = match (form.dpop, had) {
            (true, false) if form.auth == AuthKind::Bearer => {
                Some("A new key is made on save. The token must then be issued for that key.")
            }
            (true, false) => Some("A new key is made on save; the next token is issued for it."),
            (false, true) => Some("On save the key is deleted from the keychain, and tokens go as Bearer again."),
            _ => None,
        };
        if let Some(note) = note {
            ui.label(egui::RichText::new(note).color(palette.muted));
        }
    });
    ui.end_row();
}

/// The variables as a two-column table: names and values in full-width fields.
fn variables_ui(ui: &mut egui::Ui, form: &mut ProfileForm, palette: crate::ui::theme::Palette) {
    ui.label(
        egui::RichText::new(
            "Use them in requests as {{name}}. Values are saved in the profiles file: keep secrets out of them.",
        )
        .small()
        .color(palette.muted),
    );
    let mut remove = None;
    let width = ui.available_width();
    let remove_width = 80.0;
    let field = ((width - remove_width - 24.0) / 2.0).max(120.0);
    egui::Grid::new("variables").num_columns(3).striped(true).spacing([8.0, 4.0]).show(ui, |ui| {
        ui.label(egui::RichText::new("Name").strong());
        ui.label(egui::RichText::new("Value").strong());
        ui.label("");
        ui.end_row();
        for (i, (k, v)) in form.variables.iter_mut().enumerate() {
            ui.add(egui::TextEdit::singleline(k).hint_text("name").desired_width(field)).widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("Variable {} name", i + 1))
            });
            ui.add(egui::TextEdit::singleline(v).hint_text("value").desired_width(field)).widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("Variable {} value", i + 1))
            });
            if ui.small_button("Remove").clicked() {
                remove = Some(i);
            }
            ui.end_row();
        }
    });
    if let Some(i) = remove {
        form.variables.remove(i);
    }
    if ui.button("Add variable").clicked() {
        form.variables.push((String::new(), String::new()));
    }
}

/// The "Client certificate" rows of the form: the saved certificate's facts with a coloured
/// state, PEM fields to paste into or load from a file, Import, Remove, and the extra trusted
/// authorities. Drawn inside the form's grid so the columns line up.
fn certificate_rows_ui(
    commands: &mut Vec<Command>,
    form: &mut ProfileForm,
    ui: &mut egui::Ui,
    palette: crate::ui::theme::Palette,
) {
    ui.label(egui::RichText::new("Client certificate").strong());
    ui.scope(|ui| {
        ui.set_max_width(380.0);
        ui.add(
            egui::Label::new(
                egui::RichText::new(
                    "A file that proves which system is calling (mutual TLS). It goes with any sign-in method; its key stays in the keychain.",
                )
                .color(palette.muted),
            )
            .wrap(),
        );
    });
    ui.end_row();
    let saved = form.original.as_ref().and_then(|p| p.client_certificate.as_ref()).is_some();
    ui.label("State");
    match &form.cert.facts {
        Some(Ok(facts)) => {
            let color = match facts.state {
                CertState::Valid => palette.success,
                CertState::ExpiresSoon => palette.warning,
                CertState::Expired | CertState::NotYetValid => palette.error,
            };
            ui.label(egui::RichText::new(facts.state_words()).color(color).strong());
            ui.end_row();
            ui.label("Who it names");
            ui.label(&facts.subject);
            ui.end_row();
            ui.label("Issued by");
            ui.label(&facts.issuer);
            ui.end_row();
            ui.label("Valid");
            ui.label(format!("{} to {} (UTC)", facts.not_before.date(), facts.not_after.date()));
            ui.end_row();
        }
        Some(Err(e)) => {
            ui.label(egui::RichText::new(e).color(palette.error));
            ui.end_row();
        }
        None => {
            ui.label(egui::RichText::new("None: no client certificate is sent").color(palette.muted));
            ui.end_row();
        }
    }
    if saved {
        ui.label("");
        ui.horizontal(|ui| {
            if form.cert.confirm_remove {
                if ui.button(egui::RichText::new("Yes, remove it and its key").color(palette.error)).clicked() {
                    commands.push(Command::RemoveCertificate(form.id.clone()));
                    form.cert.confirm_remove = false;
                }
                if ui.button("Keep it").clicked() {
                    form.cert.confirm_remove = false;
                }
            } else if ui.button("Remove certificate…").clicked() {
                form.cert.confirm_remove = true;
            }
        });
        ui.end_row();
    }
    let label = if saved { "New certificate (PEM)" } else { "Certificate (PEM)" };
    pem_row_ui(commands, ui, label, PemField::Certificate, &mut form.cert.certificate_path, |ui| {
        pem_edit(ui, "certificate_pem", &mut form.cert.certificate_pem, "paste: -----BEGIN CERTIFICATE-----", false)
    });
    pem_row_ui(commands, ui, "Its private key (PEM)", PemField::Key, &mut form.cert.key_path, |ui| {
        pem_edit(ui, "key_pem", &mut *form.cert.key_pem, "paste: -----BEGIN PRIVATE KEY-----", !form.cert.show_key)
    });
    ui.label("");
    ui.horizontal(|ui| {
        let ready = !form.cert.certificate_pem.trim().is_empty() && !form.cert.key_pem.trim().is_empty();
        let import = ui.add_enabled(!form.is_new && ready, egui::Button::new("Import certificate"));
        if form.is_new {
            import.on_disabled_hover_text("Create the profile first, then import its certificate");
        } else if !ready {
            import.on_disabled_hover_text("Paste or load both the certificate and its key");
        } else if import.clicked() {
            commands.push(Command::ImportCertificate {
                profile: form.id.clone(),
                // Kept in the form until the import succeeds (the form is then reloaded), so a
                // refused key or certificate can be corrected rather than pasted again.
                certificate_pem: form.cert.certificate_pem.clone(),
                key: Secret::new(form.cert.key_pem.as_str()),
            });
        }
        ui.checkbox(&mut form.cert.show_key, "Show key");
    });
    ui.end_row();
    let p12_label = ui.label("Or a PKCS#12 file");
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut form.cert.pkcs12_path).hint_text("~/certs/client.p12").desired_width(150.0),
        )
        .labelled_by(p12_label.id);
        ui.add(
            egui::TextEdit::singleline(&mut *form.cert.pkcs12_passphrase)
                .password(true)
                .hint_text("passphrase")
                .desired_width(100.0),
        )
        .labelled_by(p12_label.id);
        let ready = !form.is_new && !form.cert.pkcs12_path.trim().is_empty();
        let import = ui.add_enabled(ready, egui::Button::new("Import PKCS#12"));
        if import.clicked() {
            commands.push(Command::ImportPkcs12 {
                profile: form.id.clone(),
                path: form.cert.pkcs12_path.trim().to_owned(),
                passphrase: Secret::new(std::mem::take(&mut *form.cert.pkcs12_passphrase)),
            });
        } else if form.is_new {
            import.on_disabled_hover_text("Create the profile first, then import its certificate");
        }
    });
    ui.end_row();
    let trusted = ca_names(&form.cert.ca_pem);
    pem_row_ui(commands, ui, "Also trust (CA, PEM)", PemField::CaBundle, &mut form.cert.ca_path, |ui| {
        if let Some(names) = &trusted {
            ui.label(egui::RichText::new(names).color(palette.muted));
        }
        pem_edit(
            ui,
            "ca_pem",
            &mut form.cert.ca_pem,
            "optional: the authority (CA) of a private server; saved with the profile",
            false,
        )
    });
}

/// "Trusts Gatepass Practice CA" for a CA bundle, or what is wrong with it; None when empty.
fn ca_names(pem: &str) -> Option<String> {
    if pem.trim().is_empty() {
        return None;
    }
    let names = crate::core::certificate::ca_bundle_names(pem, time::OffsetDateTime::now_utc());
    Some(names.map_or_else(|e| e.to_string(), |names| format!("Trusts {}", names.join(", "))))
}

/// A PEM text field a few lines high that scrolls, so a long certificate does not stretch the form.
fn pem_edit(ui: &mut egui::Ui, id: &str, text: &mut dyn egui::TextBuffer, hint: &str, masked: bool) -> egui::Response {
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(64.0)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(text)
                    .hint_text(hint)
                    .password(masked)
                    .desired_rows(2)
                    .desired_width(380.0)
                    .font(egui::TextStyle::Monospace),
            )
        })
        .inner
}

/// A PEM field with a file path and a "Load" button under it.
fn pem_row_ui(
    commands: &mut Vec<Command>,
    ui: &mut egui::Ui,
    label: &str,
    field: PemField,
    path: &mut String,
    edit: impl FnOnce(&mut egui::Ui) -> egui::Response,
) {
    let l = ui.label(label);
    ui.vertical(|ui| {
        edit(ui).labelled_by(l.id);
        let example = match field {
            PemField::Certificate => "client.pem",
            PemField::Key => "client-key.pem",
            PemField::CaBundle => "ca.pem",
        };
        ui.horizontal(|ui| {
            let path_edit = ui.add(
                egui::TextEdit::singleline(path)
                    .hint_text(format!("or a file path, such as ~/certs/{example}"))
                    .desired_width(300.0),
            );
            path_edit.labelled_by(l.id);
            if ui.add_enabled(!path.trim().is_empty(), egui::Button::new("Load")).clicked() {
                commands.push(Command::LoadPem(field, path.trim().to_owned()));
            }
        });
    });
    ui.end_row();
}

fn secret_row_ui(
    commands: &mut Vec<Command>,
    form: &mut ProfileForm,
    revealed: &mut Option<Secret>,
    ui: &mut egui::Ui,
    palette: crate::ui::theme::Palette,
) {
    let what =
        if form.secret_is_pem() { "private key" } else { AuthMethod::new_of_kind(form.auth, &form.id).secret_label() };
    let optional = matches!(form.auth, AuthKind::OAuthAuthorizationCode | AuthKind::OAuthDevice);
    // A public client has no secret to show; reading the slot to find out would need the keychain.
    let saved_slot: Option<SecretRef> = form
        .original
        .as_ref()
        .filter(|p| p.auth.kind() == form.auth && !optional)
        .and_then(|p| p.auth.secret_ref().cloned());
    if let Some(slot) = saved_slot {
        ui.label(format!("Saved {what}"));
        ui.horizontal(|ui| {
            if let Some(secret) = revealed {
                ui.label(egui::RichText::new(secret.expose()).monospace());
                if ui.small_button("Hide").clicked() {
                    *revealed = None;
                }
            } else {
                ui.label(egui::RichText::new("•••••••• in the keychain").monospace().color(palette.muted));
                if ui.small_button("Reveal").clicked() {
                    commands.push(Command::ReadSecret(slot.clone(), SecretPurpose::Reveal));
                }
            }
            if ui.small_button("Copy").on_hover_text("Copies the value without showing it").clicked() {
                commands.push(Command::ReadSecret(slot, SecretPurpose::Copy));
            }
        });
        ui.end_row();
    }
    let label = ui.label(match (form.is_new, optional) {
        (_, true) => "Client secret (only if the app has one)".to_owned(),
        (true, false) => format!("{what} (required)"),
        (false, false) => format!("Replace {what}"),
    });
    ui.horizontal(|ui| {
        let edit = if form.secret_is_pem() {
            ui.add(
                egui::TextEdit::multiline(&mut *form.new_secret)
                    .password(!form.show_new_secret)
                    .code_editor()
                    .desired_rows(3)
                    .desired_width(300.0)
                    .hint_text("paste the whole PEM text; stored in the keychain only"),
            )
        } else {
            ui.add(
                egui::TextEdit::singleline(&mut *form.new_secret)
                    .password(!form.show_new_secret)
                    .desired_width(300.0)
                    .hint_text("paste here; stored in the keychain only"),
            )
        };
        edit.labelled_by(label.id);
        ui.checkbox(&mut form.show_new_secret, "Show");
    });
    ui.end_row();
    if form.secret_is_pem() {
        if !form.new_secret.trim().is_empty() && !form.new_secret.contains("-----BEGIN ") {
            ui.label("");
            ui.label(
                egui::RichText::new(
                    "This does not look like PEM text: it should start with a line like -----BEGIN PRIVATE KEY-----.",
                )
                .color(palette.warning),
            );
            ui.end_row();
        }
    } else if let Some(slip) = Secret::new(form.new_secret.as_str()).formatting_slip() {
        ui.label("");
        ui.label(egui::RichText::new(format!("The pasted value {}.", slip.describe())).color(palette.warning));
        ui.end_row();
    }
}

/// The signing algorithm picker; `with_shared` offers the HS* algorithms too.
fn algorithm_ui(ui: &mut egui::Ui, alg: &mut SigningAlg, with_shared: bool) {
    let label = ui.label("Signed with");
    egui::ComboBox::from_id_salt("signing_alg")
        .selected_text(format!("{} — {}", alg.name(), alg.key_words()))
        .show_ui(ui, |ui| {
            for choice in SigningAlg::ALL.into_iter().filter(|a| with_shared || !a.is_shared_secret()) {
                ui.selectable_value(alg, choice, format!("{} — {}", choice.name(), choice.key_words()));
            }
        })
        .response
        .labelled_by(label.id);
}

/// The claims template of a signed JWT, with the extra claims checked as they are typed.
fn signed_jwt_fields_ui(form: &mut ProfileForm, ui: &mut egui::Ui, palette: crate::ui::theme::Palette) {
    algorithm_ui(ui, &mut form.jwt_alg, true);
    ui.end_row();
    labelled_text(ui, "Key ID (kid, optional)", &mut form.jwt_key_id, "which of the API's keys checks it");
    ui.end_row();
    labelled_text(ui, "Issuer (iss)", &mut form.jwt_issuer, "who makes the token, e.g. a service account ID");
    ui.end_row();
    labelled_text(ui, "Subject (sub)", &mut form.jwt_subject, "who the token speaks for");
    ui.end_row();
    labelled_text(ui, "Audience (aud)", &mut form.jwt_audience, "the API it is meant for");
    ui.end_row();
    labelled_text(ui, "Scope claim", &mut form.jwt_scopes, "orders:read orders:write");
    ui.end_row();
    let label = ui.label("Extra claims (JSON)");
    ui.vertical(|ui| {
        ui.add(
            egui::TextEdit::multiline(&mut form.jwt_claims)
                .code_editor()
                .desired_rows(2)
                .desired_width(380.0)
                .hint_text("{\"tenant\": \"acme\"}"),
        )
        .labelled_by(label.id);
        if let Err(e) = crate::core::token::mint::extra_claims(&form.jwt_claims) {
            ui.label(egui::RichText::new(e.to_string()).color(palette.error));
        }
    });
    ui.end_row();
    labelled_text(ui, "Each token good for (seconds)", &mut form.jwt_lifetime, "300");
    ui.end_row();
    ui.label("");
    ui.label(egui::RichText::new("A new token is made and signed for every request.").color(palette.muted));
    ui.end_row();
}

fn labelled_text(ui: &mut egui::Ui, label: &str, text: &mut String, hint: &str) {
    let l = ui.label(label);
    ui.add(egui::TextEdit::singleline(text).hint_text(hint).desired_width(380.0)).labelled_by(l.id);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::core::profile::ProfileError;

    #[test]
    fn form_round_trips_a_profile_and_rejects_bad_input() {
        let mut p = Profile::new(
            "Shop",
            Environment::Custom { label: "Staging".into(), color: "#112233".into() },
            "https://api.example.com",
        );
        p.auth = AuthMethod::new_of_kind(AuthKind::Basic, &p.id);
        if let AuthMethod::Basic { username, .. } = &mut p.auth {
            *username = "ann".into();
        }
        p.expected_scopes = vec!["a:read".into(), "b:write".into()];
        let form = ProfileForm::from_profile(&p);
        assert_eq!(form.to_profile().unwrap(), p);
        let mut bad = ProfileForm::from_profile(&p);
        bad.base_url = "not a url".into();
        assert_eq!(
            bad.to_profile().unwrap_err(),
            "The base URL \"not a url\" is not a valid URL. It should look like https://api.example.com."
        );
        let mut unnamed = ProfileForm::from_profile(&p);
        unnamed.name = "  ".into();
        assert_eq!(unnamed.to_profile().unwrap_err(), "Give the profile a name.");
    }

    #[test]
    fn form_round_trips_an_oauth_profile() {
        let mut p = Profile::new("Shop OAuth", Environment::Sandbox, "https://api.example.com");
        let mut settings = crate::core::profile::ClientCredentials::new(&p.id);
        settings.token_url = "https://login.example.com/oauth/token".into();
        settings.client_id = "app-1".into();
        settings.scopes = vec!["orders:read".into(), "orders:write".into()];
        settings.audience = Some("https://api.example.com".into());
        settings.client_auth = ClientAuth::RequestBody;
        p.auth = AuthMethod::OAuthClientCredentials(settings);
        let form = ProfileForm::from_profile(&p);
        assert_eq!(form.to_profile().unwrap(), p);
        let mut bad = ProfileForm::from_profile(&p);
        bad.token_url = "login page".into();
        assert!(bad.to_profile().unwrap_err().starts_with("The token URL \"login page\" is not a valid URL."));
        let mut no_id = ProfileForm::from_profile(&p);
        no_id.client_id = " ".into();
        assert_eq!(no_id.to_profile().unwrap_err(), ProfileError::NoClientId.to_string());
    }
}
