//! Strips under the top bar: the Production banner, the keychain problem, and notices.

use crate::ui::app::{Command, GatepassApp, KeychainState};

pub fn banners_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let palette = app.theme.palette;
    if let Some(profile) = app.active_profile().filter(|p| p.environment.is_production()) {
        let name = profile.name.clone();
        egui::Panel::top("production_banner")
            .frame(
                egui::Frame::new()
                    .fill(palette.production_banner)
                    .inner_margin(egui::Margin::symmetric(12, 6))
                    .stroke(egui::Stroke::new(1.0, palette.production)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new("PRODUCTION (live)").strong().color(palette.production));
                    ui.label(format!("{name} — requests reach real data. Anything that can change data asks first."));
                });
            });
    }
    if let KeychainState::Unavailable(error) = &app.keychain {
        let text = error.to_string();
        egui::Panel::top("keychain_banner")
            .frame(egui::Frame::new().fill(palette.raised).inner_margin(egui::Margin::symmetric(12, 8)).stroke(egui::Stroke::new(1.0, palette.warning)))
            .show(ui, |ui| {
                ui.label(egui::RichText::new("The keychain cannot be used").strong().color(palette.warning));
                ui.label(text);
                ui.label("Gatepass never writes secrets to a file. You can keep them in memory until you quit; you will be asked again next time.");
                ui.horizontal(|ui| {
                    if ui.button("Try again").clicked() {
                        app.commands.push(Command::RetryKeychain);
                    }
                    if ui.button("Keep secrets in memory for this session").clicked() {
                        app.commands.push(Command::UseSessionMemory);
                    }
                });
            });
    }
    if !app.notices.is_empty() {
        let mut dismiss = None;
        egui::Panel::top("notices")
            .frame(egui::Frame::new().fill(palette.raised).inner_margin(egui::Margin::symmetric(12, 6)))
            .show(ui, |ui| {
                for (i, notice) in app.notices.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let color = if notice.is_error { palette.error } else { palette.warning };
                        ui.label(egui::RichText::new(&notice.text).color(color));
                        if ui.small_button("Dismiss").clicked() {
                            dismiss = Some(i);
                        }
                    });
                }
            });
        if let Some(i) = dismiss {
            app.notices.remove(i);
        }
    }
}
