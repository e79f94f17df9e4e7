//! Strips under the top bar: the Production banner, the keychain problem, and notices.

use crate::ui::command::Command;
use crate::ui::view::{KeychainState, Notice, ViewCx};

/// The notice strip owns its messages until each is dismissed.
#[derive(Default)]
pub struct Notices {
    pub items: Vec<Notice>,
}

impl Notices {
    pub fn push(&mut self, notice: Notice) {
        if !self.items.contains(&notice) {
            self.items.push(notice);
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let palette = cx.theme.palette;
        if let Some(profile) = cx.active.filter(|p| p.environment.is_production()) {
            egui::Panel::top("production_banner")
                .frame(
                    egui::Frame::new()
                        .fill(palette.production_banner)
                        .inner_margin(egui::Margin::symmetric(12, 6))
                        .stroke(egui::Stroke::new(1.0, palette.production)),
                )
                .show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(egui::RichText::new("PRODUCTION (live)").strong().color(palette.production));
                        ui.label(format!(
                            "{} — requests reach real data. Anything that can change data asks first.",
                            profile.name
                        ));
                    });
                });
        }
        if let KeychainState::Unavailable(error) = cx.keychain {
            let text = error.to_string();
            egui::Panel::top("keychain_banner")
                .frame(
                    egui::Frame::new()
                        .fill(palette.raised)
                        .inner_margin(egui::Margin::symmetric(12, 8))
                        .stroke(egui::Stroke::new(1.0, palette.warning)),
                )
                .show(ui, |ui| {
                    ui.label(egui::RichText::new("The keychain cannot be used").strong().color(palette.warning));
                    ui.label(text);
                    ui.label("Gatepass never writes secrets to a file. You can keep them in memory until you quit; you will be asked again next time.");
                    ui.horizontal(|ui| {
                        if ui.button("Try again").clicked() {
                            commands.push(Command::RetryKeychain);
                        }
                        if ui.button("Keep secrets in memory for this session").clicked() {
                            commands.push(Command::UseSessionMemory);
                        }
                    });
                });
        }
        if !self.items.is_empty() {
            let mut dismiss = None;
            egui::Panel::top("notices")
                .frame(egui::Frame::new().fill(palette.raised).inner_margin(egui::Margin::symmetric(12, 6)))
                .show(ui, |ui| {
                    for (i, notice) in self.items.iter().enumerate() {
                        ui.horizontal_wrapped(|ui| {
                            let color = if notice.is_error { palette.error } else { palette.warning };
                            ui.label(egui::RichText::new(&notice.text).color(color));
                            if ui.small_button("Dismiss").clicked() {
                                dismiss = Some(i);
                            }
                        });
                    }
                });
            if let Some(i) = dismiss {
                self.items.remove(i);
            }
        }
        commands
    }
}
