//! The "Check setup" window: every profile side by side, grouped by environment, each a
//! checklist of green / amber / red rows in plain words with what to do. "Check all" runs every
//! profile at once (the window stays responsive; rows fill in as each finishes); one profile can
//! be run again; the report (Markdown or HTML, fingerprints only) is copied in one click.

use crate::core::check::{Level, ProfileCheck, Report};
use crate::core::profile::ProfileId;
use crate::ui::command::{CheckCommand, Command};
use crate::ui::theme::Palette;
use crate::ui::view::ViewCx;
use egui::RichText;
use std::collections::BTreeMap;

/// Where one profile's check stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    Running,
    Done(Box<ProfileCheck>),
    Failed(String),
}

/// The window's state; results are kept until the next run.
#[derive(Debug, Default)]
pub struct CheckView {
    /// The window is shown; closing it keeps the results for next time.
    pub open: bool,
    pub results: BTreeMap<ProfileId, CheckState>,
    /// When the last "Check all" started, for the time stamp.
    pub started_at: Option<time::OffsetDateTime>,
}

impl CheckView {
    pub fn running(&self) -> usize {
        self.results.values().filter(|s| matches!(s, CheckState::Running)).count()
    }

    /// The finished checks, as a report to share.
    pub fn report(&self, order: &[ProfileId]) -> Report {
        let checks = order
            .iter()
            .filter_map(|id| match self.results.get(id) {
                Some(CheckState::Done(check)) => Some((**check).clone()),
                _ => None,
            })
            .collect();
        Report::new(checks, self.started_at.unwrap_or_else(time::OffsetDateTime::now_utc))
    }
}

fn level_color(palette: &Palette, level: Level) -> egui::Color32 {
    match level {
        Level::Ok => palette.success,
        Level::Skipped => palette.muted,
        Level::Warning => palette.warning,
        Level::Failed => palette.error,
    }
}

/// The window, when open. Closing it keeps the results for next time (until the next run).
pub fn check_window_ui(view: &mut CheckView, ctx: &egui::Context, cx: &ViewCx<'_>) -> Vec<Command> {
    if !view.open {
        return Vec::new();
    }
    let palette = cx.theme.palette;
    let mut open = true;
    let mut commands = Vec::new();
    let top_center = ctx.content_rect().center_top() + egui::vec2(0.0, 56.0);
    let max_height = (ctx.content_rect().height() - 80.0).max(300.0);
    egui::Window::new("Check setup")
        .open(&mut open)
        .default_size([820.0, 640.0])
        .max_height(max_height)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(top_center)
        .collapsible(false)
        .show(ctx, |ui| {
            let total = cx.profiles.len();
            let running = view.running();
            ui.horizontal(|ui| {
                if ui.add_enabled(running == 0, egui::Button::new(RichText::new("Check all").strong())).clicked() {
                    commands.push(CheckCommand::All);
                }
                if running > 0 {
                    ui.spinner();
                    ui.label(format!("Checking… {} of {total} done", total.saturating_sub(running)));
                } else if let Some(at) = view.started_at {
                    let local = cx.local_offset();
                    ui.label(
                        RichText::new(format!("Checked {}", crate::core::token::time_words::absolute_words(at, local)))
                            .color(palette.muted),
                    );
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let done = running == 0 && !view.results.is_empty();
                    if ui.add_enabled(done, egui::Button::new("Copy report (HTML)")).clicked() {
                        commands.push(CheckCommand::CopyReport { html: true });
                    }
                    if ui
                        .add_enabled(done, egui::Button::new("Copy report (Markdown)"))
                        .on_hover_text("To paste into a ticket or a chat. It holds no secrets, only fingerprints.")
                        .clicked()
                    {
                        commands.push(CheckCommand::CopyReport { html: false });
                    }
                });
            });
            summary_ui(view, &palette, ui);
            ui.separator();
            egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
                // Grouped by environment, in the order the profiles are listed.
                let mut groups: Vec<(String, Vec<&crate::core::profile::Profile>)> = Vec::new();
                for profile in cx.profiles {
                    let label = profile.environment.long_label();
                    match groups.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, list)) => list.push(profile),
                        None => groups.push((label, vec![profile])),
                    }
                }
                for (label, profiles) in groups {
                    let color = cx.theme.environment_color(&profiles[0].environment);
                    ui.label(RichText::new(label).heading().color(color));
                    for profile in profiles {
                        profile_ui(view, profile, &palette, &mut commands, ui);
                    }
                    ui.add_space(6.0);
                }
            });
        });
    // Closed, the results stay for the next opening (until the next run).
    view.open = open;
    commands.into_iter().map(Command::Check).collect()
}

fn summary_ui(view: &CheckView, palette: &Palette, ui: &mut egui::Ui) {
    let count =
        |level: Level| view.results.values().filter(|s| matches!(s, CheckState::Done(c) if c.level == level)).count();
    let failed_runs = view.results.values().filter(|s| matches!(s, CheckState::Failed(_))).count();
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("{} all right", count(Level::Ok) + count(Level::Skipped))).color(palette.success),
        );
        ui.label("·");
        ui.label(RichText::new(format!("{} with warnings", count(Level::Warning))).color(palette.warning));
        ui.label("·");
        ui.label(RichText::new(format!("{} with problems", count(Level::Failed) + failed_runs)).color(palette.error));
    });
}

fn profile_ui(
    view: &CheckView,
    profile: &crate::core::profile::Profile,
    palette: &Palette,
    commands: &mut Vec<CheckCommand>,
    ui: &mut egui::Ui,
) {
    let state = view.results.get(&profile.id);
    let (badge, color) = match state {
        None => ("Not checked".to_owned(), palette.muted),
        Some(CheckState::Running) => ("Checking…".to_owned(), palette.muted),
        Some(CheckState::Failed(_)) => ("Could not check".to_owned(), palette.error),
        Some(CheckState::Done(check)) => (check.level.label().to_owned(), level_color(palette, check.level)),
    };
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.6)))
        .corner_radius(egui::CornerRadius::same(6))
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(RichText::new(&profile.name).strong());
                ui.label(RichText::new(badge).color(color));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let busy = matches!(state, Some(CheckState::Running));
                    if ui.add_enabled(!busy, egui::Button::new("Check again").small()).clicked() {
                        commands.push(CheckCommand::One(profile.id.clone()));
                    }
                    if profile.auth.is_oauth()
                        && ui
                            .add_enabled(!busy, egui::Button::new("Get new token").small())
                            .on_hover_text("Ask the sign-in server for a new access token, then check again")
                            .clicked()
                    {
                        commands.push(CheckCommand::GetNewToken(profile.id.clone()));
                    }
                });
            });
            match state {
                Some(CheckState::Done(check)) => {
                    egui::Grid::new(("check_rows", &profile.id.0)).num_columns(3).spacing([10.0, 4.0]).show(ui, |ui| {
                        for row in &check.rows {
                            let color = level_color(palette, row.level);
                            // Fixed widths, so the value column starts at the same x in every card.
                            ui.scope(|ui| {
                                ui.set_min_width(70.0);
                                ui.label(RichText::new(row.level.label()).color(color).strong());
                            });
                            ui.scope(|ui| {
                                ui.set_min_width(200.0);
                                ui.set_max_width(200.0);
                                ui.add(egui::Label::new(RichText::new(row.title).strong()).wrap());
                            });
                            ui.vertical(|ui| {
                                ui.add(egui::Label::new(&row.found).wrap());
                                if let Some(fix) = row.fix.as_ref().filter(|_| row.level >= Level::Warning) {
                                    ui.add(
                                        egui::Label::new(RichText::new(format!("To do: {fix}")).color(color)).wrap(),
                                    );
                                }
                                if !row.details.is_empty() {
                                    egui::CollapsingHeader::new("Why, and what to do")
                                        .id_salt(("probe_why", &profile.id.0))
                                        .default_open(true)
                                        .show(ui, |ui| {
                                            for line in &row.details {
                                                ui.add(egui::Label::new(line.as_str()).wrap());
                                            }
                                        });
                                }
                                if row.id == "probe" && !row.details.is_empty() && profile.check_path.is_some() {
                                    let button = ui.small_button("Show the whole explanation").on_hover_text(
                                        "Sends the test request again in the main window, where the explanation card shows why it failed and what to do",
                                    );
                                    if button.clicked() {
                                        commands.push(CheckCommand::ShowWhy(profile.id.clone()));
                                    }
                                }
                            });
                            ui.end_row();
                        }
                    });
                }
                Some(CheckState::Failed(why)) => {
                    ui.label(RichText::new(why).color(palette.error));
                }
                Some(CheckState::Running) => {
                    ui.spinner();
                }
                None => {}
            }
        });
    ui.add_space(4.0);
}
