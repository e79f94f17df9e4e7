//! The top bar: the active profile, always visible and switchable, its environment in colour.

use crate::core::certificate::CertState;
use crate::core::profile::AuthMethod;
use crate::ui::app::{Command, GatepassApp, KeychainState, PracticeState};
use crate::ui::widgets::environment_chip;

pub fn profile_bar_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Gatepass").heading().strong());
        ui.add_space(12.0);
        let profile_label = ui.label("Profile");
        let active_name = app.active_profile().map_or_else(|| "No profile".to_owned(), |p| p.name.clone());
        let mut picked = None;
        let combo =
            egui::ComboBox::from_id_salt("active_profile").selected_text(active_name).width(260.0).show_ui(ui, |ui| {
                for (i, profile) in app.profiles.iter().enumerate() {
                    let selected = app.active.as_ref() == Some(&profile.id);
                    let color = app.theme.environment_color(&profile.environment);
                    let text = egui::RichText::new(format!(
                        "{}   {} · Ctrl+{}",
                        profile.name,
                        profile.environment.label(),
                        i + 1
                    ))
                    .color(color);
                    if ui.selectable_label(selected, text).clicked() {
                        picked = Some(profile.id.clone());
                    }
                }
            });
        combo.response.labelled_by(profile_label.id);
        if let Some(id) = picked {
            app.commands.push(Command::SelectProfile(id));
        }
        if let Some(profile) = app.active_profile() {
            environment_chip(ui, &app.theme, &profile.environment);
            let method = match &profile.auth {
                AuthMethod::None if profile.client_certificate.is_some() => None,
                AuthMethod::None => Some("no credential".to_owned()),
                // The token's state says more, and is drawn next.
                AuthMethod::Bearer { .. } => None,
                auth if auth.is_oauth() => None,
                other => Some(other.kind().label().to_owned()),
            };
            if let Some(method) = method {
                ui.label(egui::RichText::new(method).color(app.theme.palette.muted));
            }
            if let Some(identity) = &profile.client_certificate {
                let palette = app.theme.palette;
                let now = time::OffsetDateTime::now_utc();
                let (text, color) = match crate::core::certificate::facts_from_pem(&identity.certificate_pem, now) {
                    Ok(facts) => match facts.state {
                        CertState::Valid if matches!(profile.auth, AuthMethod::None) => {
                            ("client certificate".to_owned(), palette.muted)
                        }
                        CertState::Valid => ("+ client certificate".to_owned(), palette.muted),
                        CertState::ExpiresSoon => {
                            (format!("client certificate expires in {} days", facts.days_left.max(0)), palette.warning)
                        }
                        CertState::Expired => ("client certificate expired".to_owned(), palette.error),
                        CertState::NotYetValid => ("client certificate not valid yet".to_owned(), palette.error),
                    },
                    Err(_) => ("client certificate unreadable".to_owned(), palette.error),
                };
                ui.label(egui::RichText::new(text).color(color)).on_hover_text(
                    "A file that proves which system is calling (mutual TLS). See Profiles… for details.",
                );
            }
        }
        crate::ui::panels::token_ui::profile_bar_token_ui(app, ui);
        if ui.button("Profiles…").clicked() {
            app.open_editor();
        }
        if ui
            .button("Check setup")
            .on_hover_text(
                "Check every profile's credentials: in the keychain, right format, right environment, still valid",
            )
            .clicked()
        {
            app.commands.push(Command::Check(crate::ui::check_ui::CheckCommand::Open));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let theme_label = if app.theme.dark { "Light theme" } else { "Dark theme" };
            if ui.small_button(theme_label).clicked() {
                app.commands.push(Command::ToggleTheme);
            }
            let muted = app.theme.palette.muted;
            match &app.keychain {
                KeychainState::Ready(crate::infra::keychain::StoreKind::Keychain) => {
                    label_if_room(ui, egui::RichText::new("Secrets: OS keychain").small().color(muted));
                }
                KeychainState::Ready(crate::infra::keychain::StoreKind::SessionMemory) => {
                    ui.label(
                        egui::RichText::new("Secrets: memory, this session only")
                            .small()
                            .color(app.theme.palette.warning),
                    );
                }
                KeychainState::Connecting => {
                    ui.label(egui::RichText::new("Opening the keychain…").small().color(muted));
                }
                KeychainState::Unavailable(_) => {
                    ui.label(egui::RichText::new("Keychain unavailable").small().color(app.theme.palette.error));
                }
            }
            match &app.practice {
                PracticeState::Running(_) => {
                    label_if_room(ui, egui::RichText::new("Practice API running").small().color(muted));
                }
                PracticeState::Starting => {
                    label_if_room(ui, egui::RichText::new("Starting the practice API…").small().color(muted));
                }
                PracticeState::Off | PracticeState::Failed(_) => {}
            }
        });
    });
}

/// A status note drawn only when it fits, so a narrow window never stacks text over the buttons.
fn label_if_room(ui: &mut egui::Ui, text: egui::RichText) {
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Small,
    );
    if galley.size().x + ui.spacing().item_spacing.x < ui.available_width() {
        ui.label(galley);
    }
}
