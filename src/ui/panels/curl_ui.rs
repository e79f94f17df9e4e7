//! "Import cURL…": paste a curl command, see what Gatepass understood, use it as the request, and
//! move the credential it carried into a profile's keychain entry. "Copy as cURL" in the Preview
//! tab, with the secret masked by default, as a `$VARIABLE`, or revealed on an explicit choice.
//!
//! Parsing is pure and quick, so it runs as the text changes; keychain work goes through
//! commands the app runs, and the replies come back to the window.

use crate::core::curl::{self, CurlError, CurlImport, FoundCredential};
use crate::core::profile::Environment;
use crate::core::request::BodyDraft;
use crate::ui::command::{Command, CopyChoice, CurlCommand};
use crate::ui::panels::request_tab::RequestTab;
use crate::ui::view::ViewCx;

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

/// The notice under the URL bar when the request itself carries a credential.
pub fn pasted_notice_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let Some(found) = tab.pasted.refresh(&tab.draft).cloned() else { return };
    let movable = !matches!(found.source, curl::CredentialSource::Body);
    let active_name = cx.active.map(|p| p.name.clone());
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
        Some(true) if movable => commands.push(Command::Curl(CurlCommand::MovePasted(found))),
        Some(true) => commands.push(Command::Curl(CurlCommand::KeepBodySecret(found))),
        Some(false) => tab.pasted.left.push(found.fingerprint()),
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
    pub parsed: Option<Result<CurlImport, CurlError>>,
    pub found: Option<FoundStage>,
    /// Put the cursor in the paste box on the first frame.
    focus: bool,
    pub title: &'static str,
}

impl Default for ImportWindow {
    fn default() -> Self {
        Self::new()
    }
}

impl ImportWindow {
    pub fn new() -> Self {
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

pub fn origin(url: &str) -> String {
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

/// "Copy as cURL" and its choice, for the Preview tab.
pub fn copy_row_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let choice = &mut tab.copy.choice;
        let combo = egui::ComboBox::from_id_salt("curl_copy_choice").selected_text(choice.label()).show_ui(ui, |ui| {
            for option in [CopyChoice::Masked, CopyChoice::EnvVar, CopyChoice::Reveal] {
                ui.selectable_value(choice, option, option.label());
            }
        });
        combo.response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Secret in the copy"));
        let enabled = !tab.copy.copying && cx.active.is_some();
        if ui.add_enabled(enabled, egui::Button::new("Copy as cURL")).clicked() {
            commands.push(Command::Curl(CurlCommand::Copy(tab.id, tab.copy.choice)));
        }
        if tab.copy.copying {
            ui.spinner();
        }
    });
    let active = cx.active_id().cloned();
    if tab.copy.copied_from.as_ref().is_some_and(|(draft, profile)| *draft != tab.draft || *profile != active) {
        tab.copy.status = None;
        tab.copy.copied_from = None;
    }
    if let Some((words, shown)) = &tab.copy.status {
        ui.label(egui::RichText::new(words).color(cx.theme.palette.muted));
        if let Some(text) = shown {
            let mut text = text.clone();
            ui.add(egui::TextEdit::multiline(&mut text).code_editor().interactive(false).desired_width(f32::INFINITY));
        }
    }
}

fn understood_ui(ui: &mut egui::Ui, imported: &CurlImport, app_palette: crate::ui::theme::Palette) {
    // Every credential left in the request (cookies, other keys, body secrets) as a fingerprint.
    let d = &imported.shown_draft();
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
    for note in &imported.shown_notes() {
        ui.label(egui::RichText::new(format!("• {note}")).color(app_palette.muted));
    }
}

/// The "Import cURL" window; `false` once it was closed.
pub fn import_window_ui(
    window: &mut ImportWindow,
    ctx: &egui::Context,
    cx: &ViewCx<'_>,
    commands: &mut Vec<Command>,
) -> bool {
    let palette = cx.theme.palette;
    let mut open = true;
    let mut close = false;
    let mut use_request: Option<CurlImport> = None;
    egui::Window::new(window.title)
        .id(egui::Id::unique("curl_import_window"))
        .open(&mut open)
        .default_width(640.0)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 60.0))
        .max_height(ctx.content_rect().height() - 80.0)
        .collapsible(false)
        .show(ctx, |ui| {
            if let Some(stage) = window.found.as_mut() {
                found_ui(ui, stage, cx.active, palette, commands, &mut close);
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
    if let Some(imported) = use_request {
        let has_credential = !imported.credentials.is_empty();
        commands.push(Command::Curl(CurlCommand::UseImported(Box::new(imported))));
        if !has_credential {
            close = true;
        }
    }
    open && !close
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
