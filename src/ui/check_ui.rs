//! The "Check setup" window: every profile side by side, grouped by environment, each a
//! checklist of green / amber / red rows in plain words with what to do. "Check all" runs every
//! profile at once (the window stays responsive; rows fill in as each finishes); one profile can
//! be run again; the report (Markdown or HTML, fingerprints only) is copied in one click.

use crate::core::check::{Level, Policy, ProfileCheck, Report};
use crate::core::profile::ProfileId;
use crate::ui::app::{Command, GatepassApp, Notice};
use crate::ui::tasks::Event;
use crate::ui::theme::Palette;
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

#[derive(Debug)]
pub enum CheckCommand {
    Open,
    Close,
    /// Check every profile (at once).
    All,
    /// Check one profile again.
    One(ProfileId),
    /// Copy the report to the clipboard: Markdown (`false`) or HTML (`true`).
    CopyReport {
        html: bool,
    },
    /// Send the profile's test request in the main window, where its explanation card shows.
    ShowWhy(ProfileId),
}

#[derive(Debug)]
pub enum CheckEvent {
    Checked(ProfileId, Result<ProfileCheck, String>),
}

impl GatepassApp {
    pub fn apply_check_command(&mut self, command: CheckCommand, ctx: &egui::Context) {
        match command {
            // Opening shows the last results (time-stamped); the first time, it runs every check.
            CheckCommand::Open => {
                let view = self.check.get_or_insert_with(CheckView::default);
                view.open = true;
                if view.results.is_empty() {
                    self.check_profiles(None);
                }
            }
            CheckCommand::Close => {
                if let Some(view) = &mut self.check {
                    view.open = false;
                }
            }
            CheckCommand::All => {
                self.check.get_or_insert_with(CheckView::default).open = true;
                if self.check.as_ref().is_some_and(|v| v.running() == 0) {
                    self.check_profiles(None);
                }
            }
            CheckCommand::One(id) => self.check_profiles(Some(id)),
            CheckCommand::ShowWhy(id) => {
                let Some(path) = self.profiles.iter().find(|p| p.id == id).and_then(|p| p.check_path.clone()) else {
                    return;
                };
                if let Some(view) = &mut self.check {
                    view.open = false;
                }
                self.commands.push(Command::SelectProfile(id));
                self.commands.push(Command::RestoreDraft(Box::new(crate::core::request::RequestDraft::get(path))));
                self.commands.push(Command::Send);
            }
            CheckCommand::CopyReport { html } => {
                let order: Vec<ProfileId> = self.profiles.iter().map(|p| p.id.clone()).collect();
                if let Some(view) = &self.check {
                    let report = view.report(&order);
                    ctx.copy_text(if html { report.html() } else { report.markdown() });
                    self.notices.push(Notice {
                        text: "The report is on the clipboard. It holds no secrets, only fingerprints.".to_owned(),
                        is_error: false,
                    });
                }
            }
        }
    }

    /// Start checks: every profile, or one. Each reports on its own as it finishes.
    fn check_profiles(&mut self, only: Option<ProfileId>) {
        let Ok(ws) = self.workspace.clone() else { return };
        let Some(view) = &mut self.check else { return };
        let ids: Vec<ProfileId> = if let Some(id) = only {
            vec![id]
        } else {
            view.results.clear();
            view.started_at = Some(time::OffsetDateTime::now_utc());
            self.profiles.iter().map(|p| p.id.clone()).collect()
        };
        for id in ids {
            if matches!(view.results.get(&id), Some(CheckState::Running)) {
                continue;
            }
            view.results.insert(id.clone(), CheckState::Running);
            let ws = ws.clone();
            self.tasks.spawn(async move {
                let policy = Policy::new(time::OffsetDateTime::now_utc());
                let result = ws.check_profile(&id, policy).await.map_err(|e| e.to_string());
                Event::Check(CheckEvent::Checked(id, result))
            });
        }
    }

    pub fn on_check_event(&mut self, event: CheckEvent) {
        let CheckEvent::Checked(id, result) = event;
        let Some(view) = &mut self.check else { return };
        view.results.insert(
            id,
            match result {
                Ok(check) => CheckState::Done(Box::new(check)),
                Err(e) => CheckState::Failed(e),
            },
        );
        // A probe is a real request: it is in the history now.
        self.refresh_history();
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

pub fn check_window_ui(app: &mut GatepassApp, ctx: &egui::Context) {
    if !app.check.as_ref().is_some_and(|v| v.open) {
        return;
    }
    let Some(mut view) = app.check.take() else { return };
    let palette = app.theme.palette;
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
            let total = app.profiles.len();
            let running = view.running();
            ui.horizontal(|ui| {
                if ui.add_enabled(running == 0, egui::Button::new(RichText::new("Check all").strong())).clicked() {
                    commands.push(CheckCommand::All);
                }
                if running > 0 {
                    ui.spinner();
                    ui.label(format!("Checking… {} of {total} done", total.saturating_sub(running)));
                } else if let Some(at) = view.started_at {
                    let local = time::UtcOffset::local_offset_at(at).unwrap_or(time::UtcOffset::UTC);
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
            summary_ui(&view, &palette, ui);
            ui.separator();
            egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
                // Grouped by environment, in the order the profiles are listed.
                let mut groups: Vec<(String, Vec<&crate::core::profile::Profile>)> = Vec::new();
                for profile in &app.profiles {
                    let label = profile.environment.long_label();
                    match groups.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, list)) => list.push(profile),
                        None => groups.push((label, vec![profile])),
                    }
                }
                for (label, profiles) in groups {
                    let color = app.theme.environment_color(&profiles[0].environment);
                    ui.label(RichText::new(label).heading().color(color));
                    for profile in profiles {
                        profile_ui(&view, profile, &palette, &mut commands, ui);
                    }
                    ui.add_space(6.0);
                }
            });
        });
    app.commands.extend(commands.into_iter().map(Command::Check));
    // Closed, the results stay for the next opening (until the next run).
    view.open = open;
    app.check = Some(view);
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
                });
            });
            match state {
                Some(CheckState::Done(check)) => {
                    egui::Grid::new(("check_rows", &profile.id.0)).num_columns(3).spacing([10.0, 4.0]).show(ui, |ui| {
                        for row in &check.rows {
                            let color = level_color(palette, row.level);
                            ui.label(RichText::new(row.level.label()).color(color).strong());
                            ui.label(RichText::new(row.title).strong());
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
