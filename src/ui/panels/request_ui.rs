//! The request editor: method, URL, Send/Cancel, and tabs for query, headers, body, auth and a
//! preview of exactly what will go out (secrets masked). Part of [`RequestTab`]'s view.

use crate::core::profile::{AuthMethod, KeyPlacement};
use crate::core::request::{self, BodyDraft, KeyValue, Method};
use crate::ui::command::{Command, CurlCommand};
use crate::ui::panels::request_tab::{RequestPane, RequestTab, SendState};
use crate::ui::view::ViewCx;

pub fn request_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let production = cx.active.is_some_and(|p| p.environment.is_production());
    ui.horizontal(|ui| {
        let method = egui::ComboBox::from_id_salt(("method", tab.id.0))
            .selected_text(tab.draft.method.as_str())
            .width(90.0)
            .show_ui(ui, |ui| {
                for m in Method::ALL {
                    ui.selectable_value(&mut tab.draft.method, m, m.as_str());
                }
            });
        method.response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Method"));
        let send_width = 150.0;
        let url_width = (ui.available_width() - send_width - 16.0).max(120.0);
        let url_label = ui.label("URL");
        let url = ui.add(
            egui::TextEdit::singleline(&mut tab.draft.url)
                .id_salt(("url", tab.id.0))
                .desired_width(url_width - url_label.rect.width())
                .font(egui::TextStyle::Monospace)
                .hint_text("/v1/me or https://api.example.com/v1/me"),
        );
        url.labelled_by(url_label.id);
        #[allow(clippy::single_match_else, reason = "reads as the two states of the button")]
        match &tab.send {
            SendState::InFlight { started, .. } => {
                ui.spinner();
                ui.label(format!("{:.1} s", started.elapsed().as_secs_f32()));
                if ui.button("Cancel").on_hover_text("Escape").clicked() {
                    commands.push(Command::Cancel(tab.id));
                }
            }
            _ => {
                let text = if production { "Send to Production" } else { "Send" };
                let fill = if production { palette.production } else { palette.accent };
                let button = egui::Button::new(egui::RichText::new(text).strong().color(palette.panel))
                    .fill(fill)
                    .min_size(egui::vec2(send_width - 10.0, 28.0));
                if ui.add(button).on_hover_text("Ctrl+Enter").clicked() {
                    commands.push(Command::Send(tab.id));
                }
            }
        }
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut tab.draft.send_credential, "Send credential")
            .on_hover_text("Turn off to see what the API says without your credential");
        ui.label("Timeout");
        ui.add(egui::DragValue::new(&mut tab.draft.timeout_secs).range(1..=3600).suffix(" s"));
        if let Some(profile) = cx.active {
            ui.label(egui::RichText::new(format!("Base URL {}", profile.base_url)).small().color(palette.muted));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Import cURL…").on_hover_text("Paste a curl command from API documentation").clicked() {
                commands.push(Command::Curl(CurlCommand::OpenImport));
            }
        });
    });
    crate::ui::panels::curl_ui::pasted_notice_ui(tab, ui, cx, commands);
    changed_on_disk_ui(tab, ui, palette);
    match &tab.send {
        SendState::Cancelled => {
            ui.label(
                egui::RichText::new("The request was cancelled. Nothing more will be read from it.")
                    .color(palette.muted),
            );
        }
        SendState::Failed(problem) => {
            ui.label(egui::RichText::new(problem).color(palette.error));
        }
        _ => {}
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let in_url = url_query(&tab.draft.url).len();
        let tabs = [
            (RequestPane::Query, format!("Query ({})", tab.draft.query.len() + in_url)),
            (RequestPane::Headers, format!("Headers ({})", tab.draft.headers.len())),
            (RequestPane::Body, "Body".to_owned()),
            (RequestPane::Auth, "Auth".to_owned()),
            (RequestPane::Preview, "Preview".to_owned()),
        ];
        for (pane, label) in tabs {
            ui.selectable_value(&mut tab.pane, pane, label);
        }
    });
    egui::ScrollArea::vertical().id_salt(("request_pane_scroll", tab.id.0)).auto_shrink([false, false]).show(
        ui,
        |ui| match tab.pane {
            RequestPane::Query => {
                url_query_ui(ui, cx, &tab.draft.url);
                key_value_table_ui(ui, "query", &mut tab.draft.query, "name", "value");
            }
            RequestPane::Headers => {
                key_value_table_ui(ui, "headers", &mut tab.draft.headers, "Header-Name", "value");
            }
            RequestPane::Body => body_ui(tab, ui, cx),
            RequestPane::Auth => auth_ui(tab, ui, cx),
            RequestPane::Preview => preview_ui(tab, ui, cx, commands),
        },
    );
}

/// The query parameters typed into the URL itself, decoded, as name and value.
pub fn url_query(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else { return Vec::new() };
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| !name.is_empty())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The URL's own query, read only, above the table: it goes out together with the table's rows.
fn url_query_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, url: &str) {
    let pairs = url_query(url);
    if pairs.is_empty() {
        return;
    }
    ui.label(egui::RichText::new("In the URL (edit them there):").small().color(cx.theme.palette.muted));
    egui::Grid::new("url_query").num_columns(2).spacing([8.0, 2.0]).show(ui, |ui| {
        for (name, value) in pairs {
            let shown = if crate::core::redact::is_sensitive_query_name(&name) {
                crate::core::secret::fingerprint(&value)
            } else {
                value
            };
            ui.label(egui::RichText::new(name).monospace());
            ui.label(egui::RichText::new(shown).monospace());
            ui.end_row();
        }
    });
    ui.add_space(4.0);
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

fn body_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>) {
    let palette = cx.theme.palette;
    ui.horizontal(|ui| {
        let kind = match &tab.draft.body {
            BodyDraft::None => 0,
            BodyDraft::Json { .. } => 1,
            BodyDraft::Form { .. } => 2,
            BodyDraft::Raw { .. } => 3,
        };
        for (i, label) in ["None", "JSON", "Form", "Raw text"].iter().enumerate() {
            if ui.selectable_label(kind == i, *label).clicked() && kind != i {
                tab.draft.body = match i {
                    1 => BodyDraft::Json { text: "{\n  \n}".to_owned() },
                    2 => BodyDraft::Form { fields: vec![KeyValue::new("", "")] },
                    3 => BodyDraft::Raw { content_type: "text/plain".to_owned(), text: String::new() },
                    _ => BodyDraft::None,
                };
            }
        }
    });
    match &mut tab.draft.body {
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

fn auth_ui(tab: &RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>) {
    let palette = cx.theme.palette;
    let Some(profile) = cx.active else {
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
        AuthMethod::AwsSigV4(settings) => format!(
            "An AWS Signature V4 with the access key ID {} for {} in {}, made for every request {}. The secret access key itself is never sent.",
            settings.access_key_id,
            settings.service,
            settings.region,
            match settings.placement {
                crate::core::profile::SigV4Placement::Header => "in the header Authorization: AWS4-HMAC-SHA256 …",
                crate::core::profile::SigV4Placement::Query => "as a presigned URL (X-Amz-Signature in the query)",
            }
        ),
        AuthMethod::OAuth1(settings) => format!(
            "An OAuth 1.0a signature ({}) with the consumer key {}{}, made for every request, in {}. The secrets themselves are never sent.",
            settings.method.name(),
            settings.consumer_key,
            if settings.token.is_empty() { String::new() } else { format!(" and the token {}", settings.token) },
            match settings.placement {
                crate::core::profile::OAuth1Placement::Header => "the header Authorization: OAuth …",
                crate::core::profile::OAuth1Placement::Query => "the query string",
                crate::core::profile::OAuth1Placement::Body => "the form body",
            }
        ),
        AuthMethod::Digest { username, .. } => format!(
            "Username {username} and a password, answered to the server's challenge in the header Authorization: Digest …. The password itself is never sent: only a hash of it, made for this request."
        ),
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
    if !tab.draft.send_credential {
        ui.label(
            egui::RichText::new("\"Send credential\" is off: this request goes without it.").color(palette.warning),
        );
    }
    if let Some(saved) = &tab.saved {
        needs_ui(&saved.request, profile, ui, palette);
    }
}

/// What the API needs for a saved request: its permissions (scopes), and with several ways to
/// sign in, each of them and the one this profile matches.
fn needs_ui(
    request: &crate::core::collection::SavedRequest,
    profile: &crate::core::profile::Profile,
    ui: &mut egui::Ui,
    palette: crate::ui::theme::Palette,
) {
    let choice = request.scopes_for(profile);
    if request.alternatives.is_empty() && choice.scopes.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.label(egui::RichText::new("What the API needs for this request").strong());
    if request.alternatives.is_empty() {
        ui.label(format!("The permissions (scopes): {}.", choice.scopes.join(", ")));
        return;
    }
    ui.label("It accepts any one of these sign-ins (the one this profile uses first):");
    // The profile's own first: it is what the explanation and the runner hold the token to.
    let (matched, others): (Vec<_>, Vec<_>) =
        request.alternatives.iter().partition(|a| choice.alternative.as_ref() == Some(*a));
    for alternative in matched {
        ui.label(
            egui::RichText::new(format!("• {} — what \"{}\" uses", alternative.words(), profile.name))
                .color(palette.success),
        );
    }
    for alternative in others {
        ui.label(egui::RichText::new(format!("• {}", alternative.words())).color(palette.muted));
    }
}

fn preview_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let Some(profile) = cx.active else {
        ui.label("No profile is selected.");
        return;
    };
    // The stored secret's fingerprint comes from `Workspace::credential_fingerprint`, run on a
    // task; until it is known the preview says where the value comes from.
    let stored = cx.active_fingerprint.filter(|f| f.profile == profile.id).and_then(|f| f.value.as_ref());
    let shown = match stored {
        Some(Some(fingerprint)) => Some(fingerprint.clone()),
        Some(None) if profile.auth.is_oauth() => Some("(a new token, fetched when you send)".to_owned()),
        Some(None) => Some("(nothing saved in the keychain yet)".to_owned()),
        None => None,
    };
    match request::preview(&tab.draft, profile, shown.as_deref()) {
        Ok((mut text, gates)) => {
            ui.add(egui::TextEdit::multiline(&mut text).code_editor().interactive(false).desired_width(f32::INFINITY));
            for gate in gates {
                ui.label(egui::RichText::new(gate.question()).color(palette.warning));
            }
            crate::ui::panels::curl_ui::copy_row_ui(tab, ui, cx, commands);
        }
        Err(e) => {
            ui.label(egui::RichText::new(e.to_string()).color(palette.error));
        }
    }
}

/// The request's file changed (git, an editor) while this tab had changes of its own: say so,
/// and let the person take the file's version; saving keeps theirs.
fn changed_on_disk_ui(tab: &mut RequestTab, ui: &mut egui::Ui, palette: crate::ui::theme::Palette) {
    let Some(saved) = &tab.saved else { return };
    if saved.changed_on_disk.is_none() {
        return;
    }
    let file = saved.path.to_string();
    ui.horizontal_wrapped(|ui| {
        ui.label(
            egui::RichText::new(format!(
                "The file {file} was changed outside Gatepass while you had changes here. Save (Ctrl+S) to keep yours, or"
            ))
            .color(palette.warning),
        );
        if ui.button("Use the file's version").on_hover_text("Your changes in this tab are dropped").clicked() {
            tab.take_file_version();
        }
    });
}
