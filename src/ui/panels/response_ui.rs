//! The response: status in plain words, time, size, then the body, headers, or the request as
//! it was sent (redacted). A transport failure says what happened and what to do.

use crate::core::body::ViewMode;
use crate::core::exchange::{Outcome, duration_words, size_words};
use crate::core::status;
use crate::ui::app::{BodyState, Command, GatepassApp, ResponseTab};
use crate::ui::widgets::body_view::{BodyColors, body_summary, body_view_ui};
use crate::ui::widgets::status_chip;

pub fn response_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    let Some(view) = &app.response else {
        ui.add_space(24.0);
        if app.profiles.is_empty() {
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
                egui::RichText::new("Ctrl+Enter sends · Escape cancels · Ctrl+1…9 switches profiles")
                    .small()
                    .color(palette.muted),
            );
        });
        return;
    };
    let exchange = std::sync::Arc::clone(&view.exchange);
    let explained = std::sync::Arc::clone(&view.explained);
    let mode = view.mode;
    let card = |app: &mut GatepassApp, ui: &mut egui::Ui| {
        if !explained.diagnosis.findings.is_empty() {
            ui.add_space(6.0);
            crate::ui::panels::explain_ui::explain_card_ui(app, ui, &explained, exchange.status());
            ui.add_space(6.0);
        }
    };
    match &exchange.outcome {
        Outcome::Failed(error) => {
            ui.label(egui::RichText::new("No response").heading().color(palette.error));
            ui.label(error.to_string());
            ui.label(
                egui::RichText::new(format!("{} {}", exchange.record.method.as_str(), exchange.record.url))
                    .monospace()
                    .small()
                    .color(palette.muted),
            );
            card(app, ui);
        }
        Outcome::Response(response) => {
            ui.horizontal(|ui| {
                status_chip(ui, &app.theme, response.status);
                ui.label(egui::RichText::new(status::meaning(response.status)).strong());
                ui.label(
                    egui::RichText::new(format!(
                        "· {} · {}",
                        duration_words(exchange.duration),
                        size_words(response.body.len())
                    ))
                    .color(palette.muted),
                );
                if response.body_truncated {
                    ui.label(egui::RichText::new("· body cut at the size limit").color(palette.warning));
                }
            });
            card(app, ui);
            ui.horizontal(|ui| {
                let tabs = [
                    (ResponseTab::Body, "Body".to_owned()),
                    (ResponseTab::Headers, format!("Headers ({})", response.headers.len())),
                    (ResponseTab::Sent, "Request sent".to_owned()),
                ];
                for (tab, label) in tabs {
                    ui.selectable_value(&mut app.response_tab, tab, label);
                }
                if app.response_tab == ResponseTab::Body {
                    ui.separator();
                    if ui.selectable_label(mode == ViewMode::Pretty, "Pretty").clicked() {
                        app.commands.push(Command::SetBodyMode(ViewMode::Pretty));
                    }
                    if ui.selectable_label(mode == ViewMode::Raw, "Raw").clicked() {
                        app.commands.push(Command::SetBodyMode(ViewMode::Raw));
                    }
                    if ui.button("Copy body").clicked() {
                        ui.ctx().copy_text(String::from_utf8_lossy(&response.body).into_owned());
                    }
                }
            });
        }
    }
    let Some(view) = &app.response else { return };
    match app.response_tab {
        ResponseTab::Body => {
            if exchange.response().is_none() {
                return;
            }
            match &view.body {
                BodyState::Formatting => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Formatting the body…");
                    });
                }
                BodyState::Ready(body) => {
                    ui.label(egui::RichText::new(body_summary(body)).small().color(palette.muted));
                    let colors = BodyColors {
                        key: palette.json_key,
                        string: palette.json_string,
                        number: palette.json_number,
                        literal: palette.json_literal,
                        punctuation: palette.json_punctuation,
                        text: palette.text,
                        muted: palette.muted,
                    };
                    body_view_ui(ui, body, &colors);
                }
            }
        }
        ResponseTab::Headers => {
            if let Some(response) = exchange.response() {
                header_grid_ui(ui, "response_headers", &response.headers);
            }
        }
        ResponseTab::Sent => {
            let record = &exchange.record;
            ui.label(egui::RichText::new(format!("{} {}", record.method.as_str(), record.url)).monospace());
            if let Some(credential) = &record.credential {
                ui.label(format!("Credential: {credential}"));
            } else {
                ui.label(egui::RichText::new("No credential was sent.").color(palette.muted));
            }
            header_grid_ui(ui, "sent_headers", &record.header_pairs());
        }
    }
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
