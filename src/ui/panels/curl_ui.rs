//! "Import cURL…": paste a curl command, see what Gatepass understood, use it as the request, and
//! move the credential it carried into a profile's keychain entry. "Copy as cURL" in the Preview
//! tab, with the secret masked by default, as a `$VARIABLE`, or revealed on an explicit choice.
//!
//! Parsing is pure and quick, so it runs as the text changes; keychain work goes through
//! commands and comes back as events, so the window never waits.

use crate::core::curl::{self, CurlError, CurlImport, FoundCredential};
use crate::core::curl_export::{SecretChoice, env_var_name};
use crate::core::profile::{Environment, ProfileId};
use crate::core::request::BodyDraft;
use crate::infra::store::ProfilesFile;
use crate::ui::app::{Command, GatepassApp, Notice};
use crate::ui::tasks::Event;

/// What the import window and the copy button ask for.
#[derive(Debug)]
pub enum CurlCommand {
    OpenImport,
    /// Put the found credential in the active profile's keychain entry.
    StoreInActive,
    /// Make a new profile holding the found credential.
    CreateProfile {
        name: String,
        environment: Environment,
        base_url: String,
    },
    Copy(CopyChoice),
}

/// What a curl task reports.
pub enum CurlEvent {
    Stored(Result<ProfilesFile, String>),
    /// A secret from the body was kept in the keychain under this name.
    BodySecretStored(Result<(ProfilesFile, String), String>),
    Created(Result<(ProfilesFile, ProfileId), String>),
    /// The command (or why it could not be made), for this choice and the variable it names.
    Copied(CopyChoice, Option<String>, Result<String, String>),
}

/// How "Copy as cURL" writes the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyChoice {
    #[default]
    Masked,
    EnvVar,
    Reveal,
}

impl CopyChoice {
    fn label(self) -> &'static str {
        match self {
            CopyChoice::Masked => "Secret masked (safe to share)",
            CopyChoice::EnvVar => "Secret as $VARIABLE",
            CopyChoice::Reveal => "Real secret (anyone who sees it can use it)",
        }
    }
}

/// The import window and the copy button's state.
#[derive(Default)]
pub struct CurlState {
    pub import: Option<ImportWindow>,
    pub copy_choice: CopyChoice,
    /// What the last copy did, in words, and the command when it holds no secret.
    pub copy_status: Option<(String, Option<String>)>,
    /// The request and profile the last copy was made from; the status hides once they change.
    copied_from: Option<(crate::core::request::RequestDraft, Option<ProfileId>)>,
    pub copying: bool,
    /// Credentials found in the request itself.
    pub pasted: PastedCheck,
}

/// Credentials typed or pasted into the request itself, found as it is edited.
#[derive(Default)]
pub struct PastedCheck {
    /// The request as last looked at, to look again only when it changes.
    seen: Option<crate::core::request::RequestDraft>,
    pub found: Vec<FoundCredential>,
    /// Fingerprints the user chose to leave where they are.
    pub left: Vec<String>,
}

impl PastedCheck {
    /// Look at the request again if it changed; the first credential not left alone.
    pub fn refresh(&mut self, draft: &crate::core::request::RequestDraft) -> Option<&FoundCredential> {
        if self.seen.as_ref() != Some(draft) {
            self.found = curl::credentials_in_draft(draft);
            self.seen = Some(draft.clone());
        }
        self.found.iter().find(|f| !self.left.contains(&f.fingerprint()))
    }
}

/// Take a found credential out of the request and offer it a home in a profile's keychain entry
/// (the same choices as after importing a curl command).
pub fn move_pasted(app: &mut GatepassApp, credential: FoundCredential) {
    match &credential.source {
        curl::CredentialSource::Header(name) => {
            app.draft
                .headers
                .retain(|h| !(h.name.eq_ignore_ascii_case(name) && h.value.contains(credential.secret.expose())));
        }
        curl::CredentialSource::Query(name) => {
            app.draft.query.retain(|q| !(q.name == *name && q.value == credential.secret.expose()));
            // The URL may be relative (`/v1/me?api_key=…`): rebuild its query by hand.
            if let Some((path, query)) = app.draft.url.split_once('?') {
                let (query, fragment) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                        let decode = |t: &str| {
                            url::form_urlencoded::parse(format!("x={t}").as_bytes())
                                .next()
                                .map(|(_, v)| v.into_owned())
                                .unwrap_or_default()
                        };
                        !(decode(n) == *name && decode(v) == credential.secret.expose())
                    })
                    .collect();
                let mut rebuilt = path.to_owned();
                if !kept.is_empty() {
                    rebuilt.push('?');
                    rebuilt.push_str(&kept.join("&"));
                }
                if let Some(fragment) = fragment {
                    rebuilt.push('#');
                    rebuilt.push_str(fragment);
                }
                app.draft.url = rebuilt;
            }
        }
        _ => return,
    }
    let base_url = app.active_profile().map_or_else(|| origin(&app.draft.url), |p| p.base_url.clone());
    let environment = match credential.environment {
        Some(crate::core::diagnose::knowledge::EnvKind::Production) => Environment::Production,
        _ => app.active_profile().map_or(Environment::Sandbox, |p| p.environment.clone()),
    };
    let mut window = ImportWindow::new();
    window.title = "Move the credential";
    window.found = Some(FoundStage {
        carried_by: "The request",
        credential,
        new_name: "New profile".to_owned(),
        environment,
        base_url,
        busy: false,
        status: None,
        done: false,
    });
    app.curl.import = Some(window);
}

/// A name for a secret taken out of the body: the JSON key or form field that held it, else
/// `body_secret`; letters, digits and underscores only.
fn body_secret_name(body: &BodyDraft, value: &str) -> String {
    let from_key = match body {
        BodyDraft::Form { fields } => fields.iter().find(|f| f.value.contains(value)).map(|f| f.name.clone()),
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.find(value).and_then(|at| {
            // `"client_secret": "…value…"`: the last quoted word before the value.
            let before = &text[..at];
            let key_end = before.rfind("\":")?;
            let key_start = before[..key_end].rfind('"')? + 1;
            Some(before[key_start..key_end].to_owned())
        }),
        BodyDraft::None => None,
    };
    let name: String = from_key
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if name.trim_matches('_').is_empty() { "body_secret".to_owned() } else { name }
}

/// Take a secret out of the body: the active profile keeps it in the keychain, and the body
/// names it `{{secret:name}}` instead.
fn move_body_secret(app: &mut GatepassApp, credential: &FoundCredential) {
    let (Ok(ws), Some(profile)) = (app.workspace.clone(), app.active_profile().map(|p| p.id.clone())) else { return };
    let value = credential.secret.expose().to_owned();
    let name = body_secret_name(&app.draft.body, &value);
    let reference = format!("{{{{secret:{name}}}}}");
    match &mut app.draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => *text = text.replace(&value, &reference),
        BodyDraft::Form { fields } => {
            for field in fields.iter_mut() {
                field.value = field.value.replace(&value, &reference);
            }
        }
        BodyDraft::None => return,
    }
    let secret = credential.secret.clone();
    app.tasks.spawn_blocking(move || {
        let result = ws
            .set_secret_variable(&profile, &name, &secret)
            .and_then(|()| ws.load_profiles())
            .map(|loaded| (loaded.file, name))
            .map_err(|e| e.to_string());
        Event::Curl(CurlEvent::BodySecretStored(result))
    });
}

/// The notice under the URL bar when the request itself carries a credential.
pub fn pasted_notice_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let Some(found) = app.curl.pasted.refresh(&app.draft).cloned() else { return };
    let movable = !matches!(found.source, curl::CredentialSource::Body);
    let active_name = app.active_profile().map(|p| p.name.clone());
    let mut action = None;
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, palette.warning))
        .corner_radius(egui::CornerRadius::same(6))
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(
                egui::Label::new(egui::RichText::new(format!(
                    "This request carries what looks like a credential: {}. Keep credentials in a profile's keychain entry instead: requests are kept in history and copied around.",
                    found.describe()
                ))
                .color(palette.warning))
                .wrap(),
            );
            ui.horizontal(|ui| {
                if movable {
                    if ui.button("Move it into a profile…").clicked() {
                        action = Some(true);
                    }
                } else if let Some(profile) = &active_name {
                    let text = format!("Keep it in the keychain of \"{profile}\"");
                    if ui
                        .button(text)
                        .on_hover_text("The body then says {{secret:name}}, and Gatepass fills in the value only when sending")
                        .clicked()
                    {
                        action = Some(true);
                    }
                }
                if ui.button("Leave it").clicked() {
                    action = Some(false);
                }
            });
        });
    match action {
        Some(true) if movable => move_pasted(app, found),
        Some(true) => move_body_secret(app, &found),
        Some(false) => app.curl.pasted.left.push(found.fingerprint()),
        None => {}
    }
}

/// After "Use this request": the credential that was taken out, waiting for a home.
pub struct FoundStage {
    /// Where it was found, to say so: "The command" (a curl import) or "The request".
    pub carried_by: &'static str,
    pub credential: FoundCredential,
    pub new_name: String,
    pub environment: Environment,
    pub base_url: String,
    pub busy: bool,
    pub status: Option<(String, bool)>,
    pub done: bool,
}

pub struct ImportWindow {
    pub text: String,
    parsed_text: String,
    parsed: Option<Result<CurlImport, CurlError>>,
    pub found: Option<FoundStage>,
    /// Put the cursor in the paste box on the first frame.
    focus: bool,
    pub title: &'static str,
}

impl ImportWindow {
    fn new() -> Self {
        Self {
            text: String::new(),
            parsed_text: String::new(),
            parsed: None,
            found: None,
            focus: true,
            title: "Import cURL",
        }
    }

    fn refresh(&mut self) {
        if self.parsed.is_none() || self.parsed_text != self.text {
            self.parsed_text.clone_from(&self.text);
            self.parsed = if self.text.trim().is_empty() { None } else { Some(curl::import(&self.text)) };
        }
    }
}

fn origin(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{}://{host}:{port}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            })
        })
        .unwrap_or_default()
}

/// Apply a curl command (called from the app's `logic`).
pub fn apply(app: &mut GatepassApp, command: CurlCommand) {
    let Ok(ws) = app.workspace.clone() else { return };
    match command {
        CurlCommand::OpenImport => {
            if app.curl.import.is_none() {
                app.curl.import = Some(ImportWindow::new());
            }
        }
        CurlCommand::StoreInActive => {
            let (Some(id), Some(stage)) = (app.active.clone(), app.curl.import.as_mut().and_then(|w| w.found.as_mut()))
            else {
                return;
            };
            stage.busy = true;
            let credential = stage.credential.clone();
            app.tasks.spawn_blocking(move || {
                let result = ws
                    .store_imported_credential(&id, &credential)
                    .and_then(|()| ws.load_profiles().map(|l| l.file))
                    .map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Stored(result))
            });
        }
        CurlCommand::CreateProfile { name, environment, base_url } => {
            let Some(stage) = app.curl.import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            if name.trim().is_empty() {
                stage.status = Some(("Give the new profile a name.".to_owned(), true));
                return;
            }
            if url::Url::parse(base_url.trim()).is_err() {
                stage.status = Some(("The base URL is not a valid URL. It starts with https://.".to_owned(), true));
                return;
            }
            stage.busy = true;
            let credential = stage.credential.clone();
            app.tasks.spawn_blocking(move || {
                let result = ws
                    .save_imported_profile(&name, environment, &base_url, &credential)
                    .and_then(|p| ws.load_profiles().map(|l| (l.file, p.id)))
                    .map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Created(result))
            });
        }
        CurlCommand::Copy(choice) => {
            let Some(profile) = app.active_profile() else { return };
            let id = profile.id.clone();
            let variable = env_var_name(&profile.name, &profile.auth);
            let secret_choice = match choice {
                CopyChoice::Masked => SecretChoice::Masked,
                CopyChoice::EnvVar => SecretChoice::EnvVar(variable.clone()),
                CopyChoice::Reveal => SecretChoice::Reveal,
            };
            let variable = (choice == CopyChoice::EnvVar).then_some(variable);
            let draft = app.draft.clone();
            app.curl.copied_from = Some((draft.clone(), Some(id.clone())));
            app.curl.copying = true;
            app.tasks.spawn_blocking(move || {
                let result = ws.export_curl(&id, &draft, &secret_choice).map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Copied(choice, variable, result))
            });
        }
    }
}

/// Take a curl task's result (called from the app's `logic`).
pub fn on_event(app: &mut GatepassApp, event: CurlEvent) {
    match event {
        CurlEvent::BodySecretStored(result) => match result {
            Ok((file, name)) => {
                app.apply_profiles_file(file);
                app.notices.push(Notice {
                    text: format!(
                        "The secret is in the profile's keychain entry now; the body says {{{{secret:{name}}}}} and Gatepass fills it in when sending."
                    ),
                    is_error: false,
                });
            }
            Err(e) => app.notices.push(Notice { text: e, is_error: true }),
        },
        CurlEvent::Stored(result) => {
            let name = app.active_profile().map(|p| p.name.clone()).unwrap_or_default();
            let Some(stage) = app.curl.import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            stage.busy = false;
            match result {
                Ok(file) => {
                    stage.status = Some((
                        format!(
                            "Done. The credential is in the keychain entry of \"{name}\"; the request uses it from there."
                        ),
                        false,
                    ));
                    stage.done = true;
                    app.apply_profiles_file(file);
                }
                Err(e) => stage.status = Some((e, true)),
            }
        }
        CurlEvent::Created(result) => {
            let Some(stage) = app.curl.import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            stage.busy = false;
            match result {
                Ok((file, id)) => {
                    stage.status = Some((
                        format!(
                            "Done. The profile \"{}\" holds the credential in the keychain and is now selected.",
                            stage.new_name.trim()
                        ),
                        false,
                    ));
                    stage.done = true;
                    app.apply_profiles_file(file);
                    app.commands.push(Command::SelectProfile(id));
                }
                Err(e) => stage.status = Some((e, true)),
            }
        }
        CurlEvent::Copied(choice, variable, result) => {
            app.curl.copying = false;
            match result {
                Ok(text) => {
                    app.tasks.copy_text(&text);
                    let (words, shown) = match choice {
                        CopyChoice::Masked => ("Copied as cURL, the secret masked.".to_owned(), Some(text)),
                        CopyChoice::EnvVar => (
                            format!(
                                "Copied as cURL. Before you run it, set {0} to the secret, for example: export {0}=…",
                                variable.unwrap_or_default()
                            ),
                            Some(text),
                        ),
                        CopyChoice::Reveal => {
                            ("Copied as cURL with the real secret. It is not shown here.".to_owned(), None)
                        }
                    };
                    app.curl.copy_status = Some((words, shown));
                }
                Err(e) => app.notices.push(Notice { text: e, is_error: true }),
            }
        }
    }
}

/// "Copy as cURL" and its choice, for the Preview tab.
pub fn copy_row_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let choice = &mut app.curl.copy_choice;
        let combo = egui::ComboBox::from_id_salt("curl_copy_choice").selected_text(choice.label()).show_ui(ui, |ui| {
            for option in [CopyChoice::Masked, CopyChoice::EnvVar, CopyChoice::Reveal] {
                ui.selectable_value(choice, option, option.label());
            }
        });
        combo.response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Secret in the copy"));
        let enabled = !app.curl.copying && app.active.is_some();
        if ui.add_enabled(enabled, egui::Button::new("Copy as cURL")).clicked() {
            app.commands.push(Command::Curl(CurlCommand::Copy(app.curl.copy_choice)));
        }
        if app.curl.copying {
            ui.spinner();
        }
    });
    if app.curl.copied_from.as_ref().is_some_and(|(draft, profile)| *draft != app.draft || *profile != app.active) {
        app.curl.copy_status = None;
        app.curl.copied_from = None;
    }
    if let Some((words, shown)) = &app.curl.copy_status {
        ui.label(egui::RichText::new(words).color(app.theme.palette.muted));
        if let Some(text) = shown {
            let mut text = text.clone();
            ui.add(egui::TextEdit::multiline(&mut text).code_editor().interactive(false).desired_width(f32::INFINITY));
        }
    }
}

fn understood_ui(ui: &mut egui::Ui, imported: &CurlImport, app_palette: crate::ui::theme::Palette) {
    let d = &imported.draft;
    let mut text = format!("{} {}\n", d.method.as_str(), d.url);
    for q in &d.query {
        text.push_str(&format!("  query   {} = {}\n", q.name, q.value));
    }
    for h in &d.headers {
        text.push_str(&format!("  header  {}: {}\n", h.name, h.value));
    }
    match &d.body {
        BodyDraft::None => {}
        BodyDraft::Json { text: body } => text.push_str(&format!("\nJSON body:\n{}\n", body.trim())),
        BodyDraft::Form { fields } => {
            text.push_str("\nForm body:\n");
            for f in fields {
                text.push_str(&format!("  {} = {}\n", f.name, f.value));
            }
        }
        BodyDraft::Raw { content_type, text: body } => {
            text.push_str(&format!("\nBody ({content_type}):\n{}\n", body.trim()));
        }
    }
    egui::ScrollArea::vertical().id_salt("curl_understood").max_height(180.0).show(ui, |ui| {
        ui.add(egui::TextEdit::multiline(&mut text).code_editor().interactive(false).desired_width(f32::INFINITY));
    });
    match imported.credential() {
        Some(c) => {
            ui.label(
                egui::RichText::new(format!(
                    "Credential: {}. It is taken out of the request; next you choose which profile keeps it.",
                    c.describe()
                ))
                .color(app_palette.warning),
            );
        }
        None => {
            ui.label(egui::RichText::new("No credential found in the command.").color(app_palette.muted));
        }
    }
    for note in &imported.notes {
        ui.label(egui::RichText::new(format!("• {note}")).color(app_palette.muted));
    }
}

/// The "Import cURL" window, when open.
pub fn import_window_ui(app: &mut GatepassApp, ctx: &egui::Context) {
    if app.curl.import.is_none() {
        return;
    }
    let palette = app.theme.palette;
    let active = app.active_profile().cloned();
    let mut open = true;
    let mut close = false;
    let mut use_request: Option<CurlImport> = None;
    let mut commands = Vec::new();
    let title = app.curl.import.as_ref().map_or("Import cURL", |w| w.title);
    egui::Window::new(title)
        .id(egui::Id::unique("curl_import_window"))
        .open(&mut open)
        .default_width(640.0)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 60.0))
        .max_height(ctx.content_rect().height() - 80.0)
        .collapsible(false)
        .show(ctx, |ui| {
            let Some(window) = app.curl.import.as_mut() else { return };
            if let Some(stage) = window.found.as_mut() {
                found_ui(ui, stage, active.as_ref(), palette, &mut commands, &mut close);
                return;
            }
            ui.label("Paste a curl command, the way API documentation shows it.");
            let label = ui.label("curl command");
            let edit = ui.add(
                egui::TextEdit::multiline(&mut window.text)
                    .code_editor()
                    .desired_rows(6)
                    .desired_width(f32::INFINITY)
                    .hint_text("curl https://api.example.com/v1/me \\\n  -H 'Authorization: Bearer …'"),
            );
            let edit = edit.labelled_by(label.id);
            if std::mem::take(&mut window.focus) {
                edit.request_focus();
            }
            window.refresh();
            ui.add_space(6.0);
            match &window.parsed {
                None => {
                    ui.label(egui::RichText::new("What Gatepass understands appears here.").color(palette.muted));
                }
                Some(Err(e)) => {
                    ui.label(egui::RichText::new(e.to_string()).color(palette.error));
                }
                Some(Ok(imported)) => {
                    ui.label(egui::RichText::new("Gatepass understood:").strong());
                    understood_ui(ui, imported, palette);
                    ui.add_space(6.0);
                    ui.horizontal(|ui| {
                        if ui.button("Use this request").clicked() {
                            use_request = Some(imported.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
            }
        });
    app.commands.extend(commands);
    if let Some(imported) = use_request {
        let timeout = imported.draft.timeout_secs;
        app.draft = imported.draft.clone();
        app.draft.timeout_secs = timeout;
        app.request_tab = crate::ui::app::RequestTab::Headers;
        app.curl.copy_status = None;
        match imported.credentials.into_iter().next() {
            Some(credential) => {
                let host = url::Url::parse(&imported.draft.url).ok().and_then(|u| u.host_str().map(str::to_owned));
                let base_url = origin(&imported.draft.url);
                let environment = match credential.environment {
                    Some(crate::core::diagnose::knowledge::EnvKind::Production) => Environment::Production,
                    _ => Environment::Sandbox,
                };
                if let Some(window) = app.curl.import.as_mut() {
                    window.found = Some(FoundStage {
                        carried_by: "The command",
                        credential,
                        new_name: host.unwrap_or_else(|| "Imported".to_owned()),
                        environment,
                        base_url,
                        busy: false,
                        status: None,
                        done: false,
                    });
                }
            }
            None => close = true,
        }
    }
    if !open || close {
        app.curl.import = None;
    }
}

fn found_ui(
    ui: &mut egui::Ui,
    stage: &mut FoundStage,
    active: Option<&crate::core::profile::Profile>,
    palette: crate::ui::theme::Palette,
    commands: &mut Vec<Command>,
    close: &mut bool,
) {
    if stage.done {
        if let Some((text, _)) = &stage.status {
            ui.label(egui::RichText::new(text).color(palette.success));
        }
        if ui.button("Close").clicked() {
            *close = true;
        }
        return;
    }
    ui.label(egui::RichText::new("The request is in the editor, without its credential.").strong());
    ui.label(format!(
        "{} carried {}. Move it into a profile's keychain entry: the request then uses it from there, and it never sits in the request's headers or history.",
        stage.carried_by,
        stage.credential.describe()
    ));
    if let Some((text, is_error)) = &stage.status {
        ui.label(egui::RichText::new(text).color(if *is_error { palette.error } else { palette.success }));
    }
    ui.add_enabled_ui(!stage.busy, |ui| {
        ui.add_space(6.0);
        match active {
            Some(profile) if stage.credential.suggested.matches(&profile.auth) => {
                let text = format!("Move it into the keychain entry of \"{}\"", profile.name);
                if ui.button(text).on_hover_text("Replaces the value the profile holds now").clicked() {
                    commands.push(Command::Curl(CurlCommand::StoreInActive));
                }
            }
            Some(profile) => {
                ui.label(
                    egui::RichText::new(format!(
                        "The selected profile \"{}\" uses another kind of sign-in: {}. It cannot keep this credential, which needs a profile that sends: {}.",
                        profile.name,
                        profile.auth.kind().label(),
                        stage.credential.suggested.words()
                    ))
                    .color(palette.muted),
                );
            }
            None => {}
        }
        ui.add_space(6.0);
        ui.label(egui::RichText::new("Or make a new profile from it:").strong());
        egui::Grid::new("curl_new_profile").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
            let label = ui.label("Profile name");
            ui.add(egui::TextEdit::singleline(&mut stage.new_name).desired_width(320.0)).labelled_by(label.id);
            ui.end_row();
            ui.label("Environment");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut stage.environment, Environment::Sandbox, "Sandbox (test)");
                ui.selectable_value(&mut stage.environment, Environment::Production, "Production (live)");
            });
            ui.end_row();
            let label = ui.label("Base URL");
            ui.add(egui::TextEdit::singleline(&mut stage.base_url).desired_width(320.0)).labelled_by(label.id);
            ui.end_row();
            ui.label("Sends");
            ui.label(stage.credential.suggested.words());
            ui.end_row();
        });
        ui.horizontal(|ui| {
            if ui.button("Create profile").clicked() {
                commands.push(Command::Curl(CurlCommand::CreateProfile {
                    name: stage.new_name.clone(),
                    environment: stage.environment.clone(),
                    base_url: stage.base_url.clone(),
                }));
            }
            if ui
                .button("Discard the credential")
                .on_hover_text("Forget it: the request uses the selected profile's own credential")
                .clicked()
            {
                *close = true;
            }
        });
    });
    if stage.busy {
        ui.spinner();
    }
}
