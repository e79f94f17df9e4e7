//! Strips under the top bar: the Production banner, the keychain problem, a damaged profiles
//! file, and notices.

use crate::ui::command::Command;
use crate::ui::view::{KeychainState, Notice, ViewCx};

/// The notice strip owns its messages until each is dismissed.
#[derive(Default)]
pub struct Notices {
    pub items: Vec<Notice>,
    /// The profiles file could be read only in part: what was left out, until the person
    /// chooses to rewrite it or to leave it as it is.
    pub damaged_profiles: Option<String>,
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
            problem_banner(ui, "keychain_banner", "The keychain cannot be used", palette, |ui| {
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
        if let Some(text) = &self.damaged_profiles {
            let mut leave = false;
            problem_banner(
                ui,
                "damaged_profiles_banner",
                "The profiles file could be read only in part",
                palette,
                |ui| {
                    ui.label(text.as_str());
                    ui.label("Saving a profile or switching profiles is refused until then.");
                    ui.horizontal(|ui| {
                        if ui.button("Rewrite it with what could be read").clicked() {
                            commands.push(Command::RepairProfiles);
                        }
                        if ui.button("Leave it; I will fix the file").clicked() {
                            leave = true;
                        }
                    });
                },
            );
            if leave {
                self.damaged_profiles = None;
            }
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

/// A strip that needs the person: a title in the warning colour, then `body`.
fn problem_banner(
    ui: &mut egui::Ui,
    id: &'static str,
    title: &str,
    palette: crate::ui::theme::Palette,
    body: impl FnOnce(&mut egui::Ui),
) {
    egui::Panel::top(id)
        .frame(
            egui::Frame::new()
                .fill(palette.raised)
                .inner_margin(egui::Margin::symmetric(12, 8))
                .stroke(egui::Stroke::new(1.0, palette.warning)),
        )
        .show(ui, |ui| {
            ui.label(egui::RichText::new(title).strong().color(palette.warning));
            body(ui);
        });
}
