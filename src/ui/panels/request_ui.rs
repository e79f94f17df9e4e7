//! The request editor: method, URL, Send/Cancel, and tabs for query, headers, body, auth and a
//! preview of exactly what will go out (secrets masked).

use crate::core::profile::{AuthMethod, KeyPlacement};
use crate::core::request::{self, BodyDraft, KeyValue, Method};
use crate::ui::app::{Command, GatepassApp, RequestTab, SendState};

pub fn request_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let production = app.active_profile().is_some_and(|p| p.environment.is_production());
    ui.horizontal(|ui| {
        let method = egui::ComboBox::from_id_salt("method")
            .selected_text(app.draft.method.as_str())
            .width(90.0)
            .show_ui(ui, |ui| {
                for m in Method::ALL {
                    ui.selectable_value(&mut app.draft.method, m, m.as_str());
                }
            });
        method.response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Method"));
        let send_width = 150.0;
        let url_width = (ui.available_width() - send_width - 16.0).max(120.0);
        let url_label = ui.label("URL");
        let url = ui.add(
            egui::TextEdit::singleline(&mut app.draft.url)
                .desired_width(url_width - url_label.rect.width())
                .font(egui::TextStyle::Monospace)
                .hint_text("/v1/me or https://api.example.com/v1/me"),
        );
        url.labelled_by(url_label.id);
        match &app.send {
            SendState::Idle => {
                let text = if production { "Send to Production" } else { "Send" };
                let fill = if production { palette.production } else { palette.accent };
                let button = egui::Button::new(egui::RichText::new(text).strong().color(palette.panel))
                    .fill(fill)
                    .min_size(egui::vec2(send_width - 10.0, 28.0));
                if ui.add(button).on_hover_text("Ctrl+Enter").clicked() {
                    app.commands.push(Command::Send);
                }
            }
            SendState::InFlight { started, .. } => {
                ui.spinner();
                ui.label(format!("{:.1} s", started.elapsed().as_secs_f32()));
                if ui.button("Cancel").on_hover_text("Escape").clicked() {
                    app.commands.push(Command::Cancel);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut app.draft.send_credential, "Send credential")
            .on_hover_text("Turn off to see what the API says without your credential");
        ui.label("Timeout");
        ui.add(egui::DragValue::new(&mut app.draft.timeout_secs).range(1..=3600).suffix(" s"));
        if let Some(profile) = app.active_profile() {
            ui.label(egui::RichText::new(format!("Base URL {}", profile.base_url)).small().color(palette.muted));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Import cURL…").on_hover_text("Paste a curl command from API documentation").clicked() {
                app.commands.push(Command::Curl(crate::ui::panels::curl_ui::CurlCommand::OpenImport));
            }
        });
    });
    crate::ui::panels::curl_ui::pasted_notice_ui(app, ui);
    if let Some(note) = &app.send_note {
        ui.label(egui::RichText::new(note).color(palette.muted));
    }
    if let Some(error) = &app.send_error {
        ui.label(egui::RichText::new(error).color(palette.error));
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let tabs = [
            (RequestTab::Query, format!("Query ({})", app.draft.query.len())),
            (RequestTab::Headers, format!("Headers ({})", app.draft.headers.len())),
            (RequestTab::Body, "Body".to_owned()),
            (RequestTab::Auth, "Auth".to_owned()),
            (RequestTab::Preview, "Preview".to_owned()),
        ];
        for (tab, label) in tabs {
            ui.selectable_value(&mut app.request_tab, tab, label);
        }
    });
    egui::Frame::new().inner_margin(egui::Margin::symmetric(0, 4)).show(ui, |ui| {
        ui.set_max_height(ui.available_height() * 0.4);
        egui::ScrollArea::vertical().id_salt("request_tab").auto_shrink([false, true]).max_height(220.0).show(
            ui,
            |ui| match app.request_tab {
                RequestTab::Query => key_value_table_ui(ui, "query", &mut app.draft.query, "name", "value"),
                RequestTab::Headers => {
                    key_value_table_ui(ui, "headers", &mut app.draft.headers, "Header-Name", "value");
                }
                RequestTab::Body => body_ui(app, ui),
                RequestTab::Auth => auth_ui(app, ui),
                RequestTab::Preview => preview_ui(app, ui),
            },
        );
    });
}

/// An editable table of name/value rows with on/off switches.
pub fn key_value_table_ui(ui: &mut egui::Ui, id: &str, rows: &mut Vec<KeyValue>, name_hint: &str, value_hint: &str) {
    let mut remove = None;
    egui::Grid::new(id).num_columns(4).spacing([8.0, 4.0]).show(ui, |ui| {
        for (i, row) in rows.iter_mut().enumerate() {
            ui.checkbox(&mut row.enabled, "").on_hover_text("Send this row");
            ui.add(egui::TextEdit::singleline(&mut row.name).hint_text(name_hint).desired_width(180.0));
            ui.add(egui::TextEdit::singleline(&mut row.value).hint_text(value_hint).desired_width(320.0));
            if ui.small_button("Remove").clicked() {
                remove = Some(i);
            }
            ui.end_row();
        }
    });
    if let Some(i) = remove {
        rows.remove(i);
    }
    if ui.button(format!("Add {}", if id == "headers" { "header" } else { "parameter" })).clicked() {
        rows.push(KeyValue::new("", ""));
    }
}

fn body_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    ui.horizontal(|ui| {
        let kind = match &app.draft.body {
            BodyDraft::None => 0,
            BodyDraft::Json { .. } => 1,
            BodyDraft::Form { .. } => 2,
            BodyDraft::Raw { .. } => 3,
        };
        for (i, label) in ["None", "JSON", "Form", "Raw text"].iter().enumerate() {
            if ui.selectable_label(kind == i, *label).clicked() && kind != i {
                app.draft.body = match i {
                    1 => BodyDraft::Json { text: "{\n  \n}".to_owned() },
                    2 => BodyDraft::Form { fields: vec![KeyValue::new("", "")] },
                    3 => BodyDraft::Raw { content_type: "text/plain".to_owned(), text: String::new() },
                    _ => BodyDraft::None,
                };
            }
        }
    });
    match &mut app.draft.body {
        BodyDraft::None => {
            ui.label(egui::RichText::new("This request has no body.").color(palette.muted));
        }
        BodyDraft::Json { text } => {
            ui.add(egui::TextEdit::multiline(text).code_editor().desired_rows(8).desired_width(f32::INFINITY));
            if text.len() <= 512 * 1024 {
                match request::validate_json(text) {
                    Ok(()) => ui.label(egui::RichText::new("Valid JSON").small().color(palette.success)),
                    Err(e) => ui.label(egui::RichText::new(e.to_string()).small().color(palette.error)),
                };
            }
        }
        BodyDraft::Form { fields } => key_value_table_ui(ui, "form", fields, "field", "value"),
        BodyDraft::Raw { content_type, text } => {
            ui.horizontal(|ui| {
                ui.label("Content-Type");
                ui.add(egui::TextEdit::singleline(content_type).desired_width(240.0));
            });
            ui.add(egui::TextEdit::multiline(text).code_editor().desired_rows(8).desired_width(f32::INFINITY));
        }
    }
}

fn auth_ui(app: &GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let Some(profile) = app.active_profile() else {
        ui.label("No profile is selected.");
        return;
    };
    ui.label(format!("The credential comes from the profile \"{}\".", profile.name));
    let text = match &profile.auth {
        AuthMethod::None => "This profile sends no credential.".to_owned(),
        AuthMethod::ApiKey { name, placement: KeyPlacement::Header, .. } => format!("An API key in the header {name}."),
        AuthMethod::ApiKey { name, placement: KeyPlacement::Query, .. } => {
            format!("An API key in the query parameter {name}.")
        }
        AuthMethod::Bearer { .. } => "An access token in the header Authorization: Bearer ….".to_owned(),
        AuthMethod::Basic { username, .. } => {
            format!("Username {username} and a password, in the header Authorization: Basic ….")
        }
        AuthMethod::OAuthClientCredentials(settings) => format!(
            "An access token in the header Authorization: Bearer …, got from {} with the client ID {} (OAuth 2 client credentials). A new one is got a minute before it expires.",
            settings.token_url, settings.client_id
        ),
        AuthMethod::SignedJwt(settings) => format!(
            "A token Gatepass signs itself ({}), in the header Authorization: Bearer …. A new one is made for every request, good for {} s.",
            settings.algorithm, settings.lifetime_secs
        ),
        AuthMethod::OAuthAuthorizationCode(settings) => format!(
            "An access token in the header Authorization: Bearer …, got when you sign in with the browser at {} (OAuth 2 authorization code). It is renewed with a refresh token a minute before it expires.",
            settings.authorization_url
        ),
        AuthMethod::OAuthDevice(settings) => format!(
            "An access token in the header Authorization: Bearer …, got when you approve a short code at the page {} names (OAuth 2 device grant). It is renewed with a refresh token a minute before it expires.",
            settings.authorization_url
        ),
    };
    ui.label(text);
    ui.label(
        egui::RichText::new(format!("It is sent only to: {}", profile.effective_allowed_hosts().join(", ")))
            .color(palette.muted),
    );
    if !app.draft.send_credential {
        ui.label(
            egui::RichText::new("\"Send credential\" is off: this request goes without it.").color(palette.warning),
        );
    }
}

fn preview_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let Some(profile) = app.active_profile() else {
        ui.label("No profile is selected.");
        return;
    };
    // The stored secret's fingerprint comes from `Workspace::credential_fingerprint`, run on a
    // task; until it is known the preview says where the value comes from.
    match request::preview(&app.draft, profile, None) {
        Ok((mut text, gates)) => {
            ui.add(egui::TextEdit::multiline(&mut text).code_editor().interactive(false).desired_width(f32::INFINITY));
            for gate in gates {
                ui.label(egui::RichText::new(gate.question()).color(palette.warning));
            }
            crate::ui::panels::curl_ui::copy_row_ui(app, ui);
        }
        Err(e) => {
            ui.label(egui::RichText::new(e.to_string()).color(palette.error));
        }
    }
}
