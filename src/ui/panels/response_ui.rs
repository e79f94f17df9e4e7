//! The answer: status in plain words with where it came from (profile, environment, when), the
//! explanation card when it failed, then the body (search, wrap, save), the headers, or the
//! request as it was sent (redacted). An answer that is no longer the current request's is dimmed
//! and says why. Part of [`RequestTab`]'s view.

use crate::core::body::{BodyKind, ViewMode};
use crate::core::exchange::{Outcome, duration_words, size_words};
use crate::core::status;
use crate::ui::command::Command;
use crate::ui::panels::request_tab::{Answer, RequestTab, ResponsePane, Staleness, TabNote, ago_words};
use crate::ui::view::ViewCx;
use crate::ui::widgets::body_view::{BodyColors, BodyViewOptions, body_summary, body_view_with_ui};
use crate::ui::widgets::status_chip;

pub fn response_ui(
    tab: &mut RequestTab,
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    min_body: f32,
    commands: &mut Vec<Command>,
) {
    let palette = cx.theme.palette;
    if let Some(note) = &tab.note {
        let text = match note {
            TabNote::SummaryCopied => "The summary was copied. It holds no secrets.".to_owned(),
            TabNote::BodySaved(path) => format!("The body was saved to {path}."),
            TabNote::BodyNotSaved(why) => why.clone(),
        };
        let color = if matches!(note, TabNote::BodyNotSaved(_)) { palette.error } else { palette.muted };
        ui.label(egui::RichText::new(text).color(color));
    }
    let Some(answer) = &tab.answer else {
        empty_ui(ui, cx);
        return;
    };
    let stale = answer.staleness(cx, &tab.draft);
    let mut clear = false;
    if let Some(staleness) = &stale {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(staleness_words(staleness, answer)).strong().color(palette.warning));
            if ui.small_button("Clear").on_hover_text("Remove the previous answer").clicked() {
                clear = true;
            }
        });
    }
    if clear {
        tab.answer = None;
        return;
    }
    ui.scope(|ui| {
        if stale.is_some() {
            ui.multiply_opacity(0.55);
        }
        answer_ui(tab, ui, cx, min_body, commands);
    });
}

fn empty_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>) {
    let palette = cx.theme.palette;
    ui.add_space(24.0);
    if cx.profiles.is_empty() {
        ui.vertical_centered(|ui| {
            ui.label(egui::RichText::new("No profiles yet.").strong());
            ui.label(
                egui::RichText::new(
                    "The practice profiles appear once the keychain can be used. You can also create your own under Profiles….",
                )
                .color(palette.muted),
            );
        });
        return;
    }
    ui.vertical_centered(|ui| {
        ui.label(egui::RichText::new("Send a request to see the answer here.").color(palette.muted));
        ui.label(
            egui::RichText::new(
                "Ctrl+Enter sends · Escape cancels · Ctrl+1…9 switches profiles · Ctrl+F finds in the answer · Ctrl+S saves · Ctrl+T new tab",
            )
            .small()
            .color(palette.muted),
        );
    });
}

/// "Previous answer: from Practice — Sandbox, before you switched to Practice — Production".
pub fn staleness_words(staleness: &Staleness, answer: &Answer) -> String {
    let from = &answer.origin.profile_name;
    match staleness {
        Staleness::SwitchedProfile { now } if now.is_empty() => {
            format!("Previous answer: from {from}, before you switched profiles")
        }
        Staleness::SwitchedProfile { now } => format!("Previous answer: from {from}, before you switched to {now}"),
        Staleness::RequestChanged => format!(
            "Previous answer: for {} {}, before you changed the request",
            answer.origin.draft.method.as_str(),
            answer.origin.draft.url.trim()
        ),
        Staleness::Restored => format!("Previous answer: from {from}, before you picked another request"),
        Staleness::Cancelled => format!("Previous answer: from {from}; the request after it was cancelled"),
    }
}

/// "Practice — Sandbox · Sandbox (test) · 2 min ago".
pub fn origin_words(answer: &Answer, now: time::OffsetDateTime) -> String {
    let origin = &answer.origin;
    format!(
        "{} · {} · {}",
        origin.profile_name,
        origin.environment.long_label(),
        ago_words((now - origin.sent_at).whole_seconds())
    )
}

fn answer_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, min_body: f32, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let Some(answer) = &tab.answer else { return };
    let exchange = std::sync::Arc::clone(&answer.exchange);
    let origin_color = cx.theme.environment_color(&answer.origin.environment);
    let origin_line = |ui: &mut egui::Ui| {
        ui.label(egui::RichText::new(origin_words(answer, cx.now)).color(origin_color)).on_hover_text(format!(
            "Sent with the profile {} ({}) at {}",
            answer.origin.profile_name,
            answer.origin.environment.long_label(),
            crate::core::token::time_words::absolute_words(answer.origin.sent_at, cx.local_offset())
        ));
    };
    match &exchange.outcome {
        Outcome::Failed(error) => {
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new("No response").heading().color(palette.error));
                origin_line(ui);
            });
            ui.label(error.to_string());
            ui.label(
                egui::RichText::new(format!("{} {}", exchange.record.method.as_str(), exchange.record.url))
                    .monospace()
                    .small()
                    .color(palette.muted),
            );
        }
        Outcome::Response(response) => {
            ui.horizontal_wrapped(|ui| {
                status_chip(ui, cx.theme, response.status);
                ui.label(egui::RichText::new(status::meaning(response.status)).strong());
                ui.label(
                    egui::RichText::new(format!(
                        "· {} · {} ·",
                        duration_words(exchange.duration),
                        size_words(response.body.len())
                    ))
                    .color(palette.muted),
                );
                origin_line(ui);
                if response.body_truncated {
                    ui.label(egui::RichText::new("· body cut at the size limit").color(palette.warning));
                }
            });
            redirect_ui(ui, cx, &exchange);
        }
    }
    if !answer.explained.diagnosis.findings.is_empty() {
        ui.add_space(4.0);
        let max_height = (ui.available_height() - min_body - 40.0).max(90.0);
        let can_fix = tab.can_fix_draft();
        let Some(answer) = &tab.answer else { return };
        crate::ui::panels::explain_ui::explain_card_ui(
            ui,
            cx,
            crate::ui::panels::explain_ui::CardFor { tab: tab.id, answer, draft: &tab.draft, can_fix },
            &mut tab.card_open,
            max_height,
            commands,
            &mut tab.note,
        );
        ui.add_space(4.0);
    }
    if exchange.response().is_none() {
        return;
    }
    panes_ui(tab, ui, cx, commands);
}

/// A redirect, and whether the credential went on: the chain as the sender saw it, a line a hop
/// ("→ other.host (302): your API key was not sent on"), in the warning colour where something
/// was held back.
fn redirect_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, exchange: &crate::core::exchange::Exchange) {
    if exchange.redirects.is_empty() {
        return;
    }
    let palette = cx.theme.palette;
    ui.label(egui::RichText::new(format!("Redirected from {}", exchange.record.url)).small().color(palette.muted));
    for hop in &exchange.redirects {
        let color = if hop.not_sent.is_empty() { palette.muted } else { palette.warning };
        // Monospace: the proportional font has no arrow.
        ui.label(egui::RichText::new(hop.words()).small().monospace().color(color));
    }
}

fn panes_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let palette = cx.theme.palette;
    let Some(answer) = &tab.answer else { return };
    let Some(response) = answer.exchange.response() else { return };
    let mode = answer.mode;
    let mut format = None;
    ui.horizontal_wrapped(|ui| {
        let panes = [
            (ResponsePane::Body, "Body".to_owned()),
            (ResponsePane::Headers, format!("Headers ({})", response.headers.len())),
            (ResponsePane::Sent, "Request sent".to_owned()),
        ];
        for (pane, label) in panes {
            ui.selectable_value(&mut tab.response_pane, pane, label);
        }
        if tab.response_pane == ResponsePane::Body {
            ui.separator();
            if ui.selectable_label(mode == ViewMode::Pretty, "Pretty").clicked() {
                format = Some((ViewMode::Pretty, tab.wrap));
            }
            if ui.selectable_label(mode == ViewMode::Raw, "Raw").clicked() {
                format = Some((ViewMode::Raw, tab.wrap));
            }
            let binary = answer.body.shown().is_some_and(|b| b.kind() == BodyKind::Binary);
            let wrap = ui
                .add_enabled(!binary, egui::Checkbox::new(&mut tab.wrap, "Wrap lines"))
                .on_hover_text("Wrap long lines at the edge instead of scrolling sideways");
            if wrap.changed() {
                format = Some((mode, tab.wrap));
            }
            if ui.button("Find…").on_hover_text("Ctrl+F").clicked() {
                tab.search.open = true;
                tab.search.focus = true;
            }
            if ui.button("Copy body").clicked() {
                ui.ctx().copy_text(String::from_utf8_lossy(&response.body).into_owned());
            }
            if ui.button("Save body…").on_hover_text("Write the body to a file, exactly as received").clicked() {
                tab.save_path = Some(default_save_path(response.content_type()));
            }
        }
    });
    let columns = wrap_columns(ui);
    if let Some((mode, wrap)) = format {
        commands.push(Command::FormatBody { tab: tab.id, mode, wrap_columns: wrap.then_some(columns) });
    } else if tab.wrap && answer.wrap_columns.is_some_and(|c| c != columns) && tab.response_pane == ResponsePane::Body {
        // The window was resized: wrap again at the new width.
        commands.push(Command::FormatBody { tab: tab.id, mode, wrap_columns: Some(columns) });
    }
    match tab.response_pane {
        ResponsePane::Body => {
            save_ui(tab, ui, cx, commands);
            search_ui(tab, ui, cx, commands);
            let Some(answer) = &tab.answer else { return };
            match answer.body.shown() {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Formatting the body…");
                    });
                }
                Some(body) => {
                    let body = std::sync::Arc::clone(body);
                    ui.label(egui::RichText::new(body_summary(&body)).small().color(palette.muted));
                    let colors = BodyColors {
                        key: palette.json_key,
                        string: palette.json_string,
                        number: palette.json_number,
                        literal: palette.json_literal,
                        punctuation: palette.json_punctuation,
                        text: palette.text,
                        muted: palette.muted,
                        highlight: palette.accent.gamma_multiply(0.35),
                        current: palette.warning.gamma_multiply(0.55),
                    };
                    let searched_here = tab.search.searched.as_ref().is_some_and(|(_, id)| *id == answer.exchange.id);
                    let matches = if searched_here { tab.search.matches.as_slice() } else { &[] };
                    let options = BodyViewOptions {
                        id_salt: ("body_view", tab.id.0, answer.exchange.id.0),
                        matches,
                        current: matches.get(tab.search.current).copied(),
                        scroll_to_line: tab.search.scroll_to.take(),
                    };
                    body_view_with_ui(ui, &body, &colors, &options);
                }
            }
        }
        ResponsePane::Headers => {
            header_grid_ui(ui, "response_headers", &response.headers);
        }
        ResponsePane::Sent => sent_ui(ui, cx, &answer.exchange.record),
    }
}

/// How many monospace characters fit across the body view, for wrapping.
fn wrap_columns(ui: &egui::Ui) -> usize {
    let font_id = egui::TextStyle::Monospace.resolve(ui.style());
    let char_width = ui.ctx().fonts_mut(|fonts| fonts.glyph_width(&font_id, '0')).max(1.0);
    // Room for the line numbers and the scroll bar.
    let width = (ui.available_width() - 8.0 * char_width - 24.0).max(20.0 * char_width);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a positive column count")]
    let columns = (width / char_width).floor() as usize;
    // Steps of 8 columns, so a small resize does not format the body again.
    (columns / 8 * 8).max(16)
}

/// Where "Save body…" proposes to write: the Downloads folder with a name for the content type.
fn default_save_path(content_type: Option<&str>) -> String {
    let ext = match content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase()) {
        Some(ct) if ct.contains("json") => "json",
        Some(ct) if ct.contains("html") => "html",
        Some(ct) if ct.contains("xml") => "xml",
        Some(ct) if ct.starts_with("text/") => "txt",
        Some(ct) if ct == "image/png" => "png",
        Some(ct) if ct == "image/jpeg" => "jpg",
        Some(ct) if ct == "application/pdf" => "pdf",
        _ => "bin",
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_default();
    let downloads = home.join("Downloads");
    let dir = if downloads.is_dir() { downloads } else { home };
    dir.join(format!("response.{ext}")).to_string_lossy().into_owned()
}

fn save_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    let Some(path) = &mut tab.save_path else { return };
    let mut done = false;
    ui.horizontal(|ui| {
        let label = ui.label("Save to");
        let edit = ui
            .add(egui::TextEdit::singleline(path).desired_width((ui.available_width() - 160.0).max(160.0)))
            .labelled_by(label.id);
        let ready = !path.trim().is_empty();
        if ui.add_enabled(ready, egui::Button::new("Save")).clicked()
            || (ready && edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
        {
            commands.push(Command::SaveBody { tab: tab.id, path: path.trim().to_owned() });
            done = true;
        }
        if ui.button("Close").clicked() {
            done = true;
        }
    });
    ui.label(
        egui::RichText::new(
            "The body is written exactly as received (binary as is). An existing file is not replaced.",
        )
        .small()
        .color(cx.theme.palette.muted),
    );
    if done {
        tab.save_path = None;
    }
}

fn search_ui(tab: &mut RequestTab, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
    if !tab.search.open {
        return;
    }
    let palette = cx.theme.palette;
    let Some(answer) = &tab.answer else { return };
    let answer_id = answer.exchange.id;
    let search = &mut tab.search;
    let mut step: i64 = 0;
    ui.horizontal(|ui| {
        let label = ui.label("Find in body");
        let edit = ui.add(egui::TextEdit::singleline(&mut search.query).desired_width(220.0).hint_text("text to find"));
        let edit = edit.labelled_by(label.id);
        if std::mem::take(&mut search.focus) {
            edit.request_focus();
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if enter {
            step = if ui.input(|i| i.modifiers.shift) { -1 } else { 1 };
            edit.request_focus();
        }
        let current = search.searched.as_ref().is_some_and(|(q, id)| *q == search.query && *id == answer_id);
        if !current && !search.pending && !search.query.is_empty() {
            search.pending = true;
            commands.push(Command::SearchBody { tab: tab.id, query: search.query.clone() });
        } else if search.pending
            && search.searched.as_ref().is_some_and(|(q, _)| *q != search.query)
            && !search.query.is_empty()
        {
            // Typed on while a search ran: look for the new text too.
            commands.push(Command::SearchBody { tab: tab.id, query: search.query.clone() });
        }
        if search.query.is_empty() {
            search.matches.clear();
            search.searched = None;
            search.pending = false;
        }
        let count = search.matches.len();
        let words = if search.query.is_empty() {
            String::new()
        } else if search.pending && !current {
            "Looking…".to_owned()
        } else if count == 0 {
            "Not found".to_owned()
        } else {
            format!("{} of {}{}", search.current + 1, count, if search.capped { "+" } else { "" })
        };
        ui.label(egui::RichText::new(words).color(if count == 0 { palette.muted } else { palette.text }));
        if ui.add_enabled(count > 0, egui::Button::new("Previous")).on_hover_text("Shift+Enter").clicked() {
            step = -1;
        }
        if ui.add_enabled(count > 0, egui::Button::new("Next")).on_hover_text("Enter").clicked() {
            step = 1;
        }
        if ui.button("Close").clicked() {
            search.open = false;
        }
    });
    let count = search.matches.len();
    if step != 0 && count > 0 {
        let count_i = i64::try_from(count).unwrap_or(i64::MAX);
        let at = i64::try_from(search.current).unwrap_or(0);
        search.current = usize::try_from((at + step).rem_euclid(count_i)).unwrap_or(0);
        search.scroll_to = search.matches.get(search.current).map(|m| m.line);
    }
}

/// The request as it went out. The credential line says what the profile added, and also when
/// the request carried a credential header of its own.
fn sent_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, record: &crate::core::exchange::RequestRecord) {
    let palette = cx.theme.palette;
    ui.label(egui::RichText::new(format!("{} {}", record.method.as_str(), record.url)).monospace());
    let typed: Vec<&str> = record
        .headers
        .iter()
        .filter(|h| crate::core::request::is_sensitive_header(&h.name))
        .map(|h| h.name.as_str())
        .collect();
    match &record.credential {
        Some(credential) => {
            ui.label(format!("Credential from the profile: {credential}"));
        }
        None if !typed.is_empty() => {
            ui.label(
                egui::RichText::new(format!(
                    "The profile added no credential. The request carried its own {} header, shown masked below.",
                    typed.join(", ")
                ))
                .color(palette.warning),
            );
        }
        None => {
            ui.label(egui::RichText::new("No credential was sent.").color(palette.muted));
        }
    }
    header_grid_ui(ui, "sent_headers", &record.header_pairs());
}

fn header_grid_ui(ui: &mut egui::Ui, id: &str, headers: &[(String, String)]) {
    egui::ScrollArea::both().id_salt(id).auto_shrink([false, false]).show(ui, |ui| {
        egui::Grid::new(id).num_columns(2).striped(true).spacing([16.0, 4.0]).show(ui, |ui| {
            for (name, value) in headers {
                ui.label(egui::RichText::new(name).monospace().strong());
                ui.label(egui::RichText::new(value).monospace());
                ui.end_row();
            }
        });
    });
}
