//! The left side: requests to try on the practice API, and the history of what was sent.

use crate::ui::app::{Command, GatepassApp};
use crate::ui::widgets::status_chip;
use crate::workspace::{lab_requests, sample_requests};

pub fn sidebar_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let on_practice = app.active_profile().is_some_and(|p| p.practice.is_some());
    if on_practice {
        let max = ui.available_height() * 0.6;
        egui::ScrollArea::vertical().id_salt("try_these").max_height(max).auto_shrink([false, true]).show(ui, |ui| {
            ui.label(egui::RichText::new("Try these").strong());
            ui.label(
                egui::RichText::new("Requests on the practice API. Click one, then Send.").small().color(palette.muted),
            );
            for sample in sample_requests() {
                let response = ui
                    .add(egui::Button::new(format!("{}  {}", sample.draft.method.as_str(), sample.label)).frame(false))
                    .on_hover_text(format!("Expect: {}", sample.expect));
                if response.clicked() {
                    app.commands.push(Command::RestoreDraft(Box::new(sample.draft.clone())));
                }
            }
            egui::CollapsingHeader::new("See each explanation").id_salt("lab_requests").default_open(false).show(
                ui,
                |ui| {
                    ui.label(
                        egui::RichText::new("One failure of each kind, answered the way real APIs do.")
                            .small()
                            .color(palette.muted),
                    );
                    for sample in lab_requests() {
                        let response = ui
                            .add(egui::Button::new(sample.label).frame(false))
                            .on_hover_text(format!("Expect: {}", sample.expect));
                        if response.clicked() {
                            app.commands.push(Command::RestoreDraft(Box::new(sample.draft.clone())));
                        }
                    }
                },
            );
        });
        ui.add_space(8.0);
        ui.separator();
    }
    ui.label(egui::RichText::new("History").strong());
    if app.history.is_empty() {
        ui.label(egui::RichText::new("Requests you send appear here.").small().color(palette.muted));
        return;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let row_height = 44.0;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(
        ui,
        row_height,
        app.history.len(),
        |ui, range| {
            for entry in &app.history[range] {
                let clicked = ui
                    .push_id(entry.id, |ui| {
                        let frame = egui::Frame::new().inner_margin(egui::Margin::symmetric(4, 2));
                        let inner = frame.show(ui, |ui| {
                            ui.set_min_height(row_height - 8.0);
                            ui.horizontal(|ui| {
                                match entry.status {
                                    Some(code) => {
                                        status_chip(ui, &app.theme, code);
                                    }
                                    None => {
                                        ui.label(egui::RichText::new("failed").color(palette.error).small());
                                    }
                                }
                                ui.label(egui::RichText::new(&entry.method).monospace().strong());
                                ui.label(
                                    egui::RichText::new(ago_words(now - entry.sent_at)).small().color(palette.muted),
                                );
                            });
                            ui.label(egui::RichText::new(path_of(&entry.url)).small()).on_hover_text(format!(
                                "{}\n{} ({})",
                                entry.url, entry.profile_name, entry.environment
                            ));
                        });
                        ui.interact(inner.response.rect, ui.scope_id().with("row"), egui::Sense::click())
                    })
                    .inner
                    .on_hover_cursor(egui::CursorIcon::PointingHand)
                    .clicked();
                if clicked {
                    app.commands.push(Command::RestoreDraft(Box::new(entry.draft.clone())));
                }
            }
        },
    );
}

fn path_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(
        |_| url.to_owned(),
        |u| {
            let mut text = u.path().to_owned();
            if let Some(q) = u.query() {
                text.push('?');
                text.push_str(q);
            }
            text
        },
    )
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago_words(secs: i64) -> String {
    match secs {
        i64::MIN..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}
