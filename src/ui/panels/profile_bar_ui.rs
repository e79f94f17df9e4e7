//! The top bar: the active profile, always visible and switchable, its environment in colour,
//! and the actions. "Check setup" is always one click away; in a narrow window (or when the
//! bar is full) the status notes and the theme switch move into a "More" menu so nothing is
//! dropped or drawn over.

use crate::core::certificate::CertState;
use crate::core::profile::AuthMethod;
use crate::ui::command::{CheckCommand, Command};
use crate::ui::view::{KeychainState, PracticeStatus, ViewCx};
use crate::ui::widgets::environment_chip_sized;

/// The bar has no state of its own: everything it shows is in the context.
pub fn profile_bar_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        if !cx.narrow {
            ui.label(egui::RichText::new("Gatepass").heading().strong());
            ui.add_space(12.0);
        }
        let profile_label = ui.label("Profile");
        let full_name = cx.active.map_or_else(|| "No profile".to_owned(), |p| p.name.clone());
        // A long name is cut in the middle to fit the bar, so its end ("— Production") stays
        // (its full text is in the list and on hover).
        let active_name = crate::ui::widgets::cut_in_the_middle(&full_name, if cx.narrow { 20 } else { 32 });
        let mut picked = None;
        let width = if cx.narrow { 160.0 } else { 260.0 };
        let combo =
            egui::ComboBox::from_id_salt("active_profile").selected_text(active_name).width(width).show_ui(ui, |ui| {
                for (i, profile) in cx.profiles.iter().enumerate() {
                    let selected = cx.active_id() == Some(&profile.id);
                    let color = cx.theme.environment_color(&profile.environment);
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
        combo.response.labelled_by(profile_label.id).on_hover_text(&full_name);
        if let Some(id) = picked {
            commands.push(Command::SelectProfile(id));
        }
        if let Some(profile) = cx.active {
            environment_chip_sized(ui, cx.theme, &profile.environment, cx.narrow);
            if !cx.narrow {
                method_notes_ui(ui, cx, profile);
            }
        }
        commands.extend(crate::ui::panels::token_ui::profile_bar_token_ui(ui, cx));
        if ui.button("Profiles…").clicked() {
            commands.push(Command::OpenEditor(None));
        }
        if ui
            .button("Check setup")
            .on_hover_text(
                "Check every profile's credentials: in the keychain, right format, right environment, still valid",
            )
            .clicked()
        {
            commands.push(Command::Check(CheckCommand::Open));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // A long token state or profile name can leave too little room for the notes: they
            // go in "More" then, instead of being drawn over the buttons.
            if cx.narrow || ui.available_width() < STATUS_NOTES_WIDTH {
                ui.menu_button("More", |ui| {
                    status_notes_ui(ui, cx);
                    if let Some(profile) = cx.active {
                        method_notes_ui(ui, cx, profile);
                    }
                    ui.separator();
                    if ui.button(theme_label(cx)).clicked() {
                        commands.push(Command::ToggleTheme);
                        ui.close();
                    }
                });
                return;
            }
            if ui.small_button(theme_label(cx)).clicked() {
                commands.push(Command::ToggleTheme);
            }
            status_notes_ui(ui, cx);
        });
    });
    commands
}

/// About what the status notes and the theme switch take, side by side.
const STATUS_NOTES_WIDTH: f32 = 340.0;

fn theme_label(cx: &ViewCx<'_>) -> &'static str {
    if cx.theme.dark { "Light theme" } else { "Dark theme" }
}

/// Where secrets are kept and whether the practice API runs.
fn status_notes_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>) {
    let palette = cx.theme.palette;
    let muted = palette.muted;
    match cx.keychain {
        KeychainState::Ready(crate::infra::keychain::StoreKind::Keychain) => {
            ui.label(egui::RichText::new("Secrets: OS keychain").small().color(muted));
        }
        KeychainState::Ready(crate::infra::keychain::StoreKind::SessionMemory) => {
            ui.label(egui::RichText::new("Secrets: memory, this session only").small().color(palette.warning));
        }
        KeychainState::Connecting => {
            ui.label(egui::RichText::new("Opening the keychain…").small().color(muted));
        }
        KeychainState::Unavailable(_) => {
            ui.label(egui::RichText::new("Keychain unavailable").small().color(palette.error));
        }
    }
    match cx.practice {
        PracticeStatus::Running => {
            ui.label(egui::RichText::new("Practice API running").small().color(muted));
        }
        PracticeStatus::Starting => {
            ui.label(egui::RichText::new("Starting the practice API…").small().color(muted));
        }
        PracticeStatus::Off | PracticeStatus::Failed(_) => {}
    }
}

/// The sign-in method and the client certificate's state, next to the environment.
fn method_notes_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, profile: &crate::core::profile::Profile) {
    let palette = cx.theme.palette;
    let method = match &profile.auth {
        AuthMethod::None if profile.client_certificate.is_some() => None,
        AuthMethod::None => Some("no credential".to_owned()),
        // The token's state says more, and is drawn next.
        AuthMethod::Bearer { .. } => None,
        auth if auth.is_oauth() => None,
        other => Some(other.kind().label().to_owned()),
    };
    if let Some(method) = method {
        ui.label(egui::RichText::new(method).color(palette.muted));
    }
    if let Some(identity) = &profile.client_certificate {
        let (text, color) = match crate::core::certificate::facts_from_pem(&identity.certificate_pem, cx.now) {
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
        ui.label(egui::RichText::new(text).color(color))
            .on_hover_text("A file that proves which system is calling (mutual TLS). See Profiles… for details.");
    }
}
