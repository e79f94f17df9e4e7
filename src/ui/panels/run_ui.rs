//! "Run": a collection (or one folder) sent with one or more profiles, one row per request and
//! one column per profile. Each cell says the status and time, or why it was not sent; a failed
//! cell's tooltip gives the explanation's headline and a click opens the whole card in a tab.
//! Production writes are sent only when confirmed once for the run.

use crate::core::collection::RequestPath;
use crate::core::profile::ProfileId;
use crate::ui::command::{CollectionCommand, Command};
use crate::ui::view::ViewCx;
use crate::workspace::RunRecord;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Where the run stands.
pub enum RunState {
    /// Choosing profiles.
    Setup,
    Running {
        run: u64,
        stop: Arc<AtomicBool>,
    },
    Finished {
        stopped: bool,
    },
    Failed(String),
}

/// One row: a request of the collection.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub path: RequestPath,
    pub label: String,
    pub method: String,
}

pub struct RunView {
    pub dir: PathBuf,
    pub folder: Option<String>,
    pub title: String,
    pub chosen: BTreeSet<ProfileId>,
    pub confirm_production: bool,
    /// How many requests are in flight at once.
    pub concurrency: usize,
    pub state: RunState,
    pub rows: Vec<RunRow>,
    /// The profiles of the run that started last, in the order of the list.
    pub columns: Vec<ProfileId>,
    pub cells: HashMap<(RequestPath, ProfileId), RunRecord>,
    pub done: usize,
    pub total: usize,
}

impl RunView {
    pub fn new(
        dir: PathBuf,
        folder: Option<String>,
        title: String,
        rows: Vec<RunRow>,
        chosen: BTreeSet<ProfileId>,
    ) -> Self {
        Self {
            dir,
            folder,
            title,
            chosen,
            confirm_production: false,
            concurrency: crate::workspace::RunOptions::default().concurrency,
            state: RunState::Setup,
            rows,
            columns: Vec::new(),
            cells: HashMap::new(),
            done: 0,
            total: 0,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running { .. })
    }

    /// The run id in flight, if any.
    pub fn running(&self) -> Option<u64> {
        match self.state {
            RunState::Running { run, .. } => Some(run),
            _ => None,
        }
    }

    /// A record arrived for the run in flight.
    pub fn record(&mut self, run: u64, done: usize, total: usize, record: RunRecord) {
        if self.running() != Some(run) {
            return;
        }
        self.done = done;
        self.total = total;
        self.cells.insert((record.request.clone(), record.profile.clone()), record);
    }

    pub fn finished(&mut self, run: u64, result: Result<Vec<RunRecord>, String>) {
        if self.running() != Some(run) {
            return;
        }
        let stopped =
            matches!(&self.state, RunState::Running { stop, .. } if stop.load(std::sync::atomic::Ordering::SeqCst));
        match result {
            Ok(records) => {
                for record in records {
                    self.cells.insert((record.request.clone(), record.profile.clone()), record);
                }
                self.state = RunState::Finished { stopped };
            }
            Err(why) => self.state = RunState::Failed(why),
        }
    }

    /// (passed, failed, not sent) over the cells so far.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for record in self.cells.values() {
            if record.ok() {
                counts.0 += 1;
            } else if record.skipped().is_some() {
                counts.2 += 1;
            } else {
                counts.1 += 1;
            }
        }
        counts
    }

    /// Draw the window; false when it was closed.
    pub fn show(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>, commands: &mut Vec<Command>) -> bool {
        let mut open = true;
        let screen = ctx.content_rect();
        egui::Window::new(format!("Run: {}", self.title))
            .open(&mut open)
            .default_size([screen.width().min(980.0) - 40.0, screen.height() * 0.75])
            .default_pos([20.0, 60.0])
            .show(ctx, |ui| self.body_ui(ui, cx, commands));
        if !open && let RunState::Running { stop, .. } = &self.state {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        open
    }

    fn body_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
        let palette = cx.theme.palette;
        ui.label(format!("{} requests. Pick the profiles to send them with:", self.rows.len()));
        ui.horizontal_wrapped(|ui| {
            for profile in cx.profiles {
                let mut on = self.chosen.contains(&profile.id);
                let color = cx.theme.environment_color(&profile.environment);
                let text = egui::RichText::new(&profile.name).color(color);
                if ui
                    .add_enabled(!self.is_running(), egui::Checkbox::new(&mut on, text))
                    .on_hover_text(profile.environment.long_label())
                    .changed()
                {
                    if on {
                        self.chosen.insert(profile.id.clone());
                    } else {
                        self.chosen.remove(&profile.id);
                    }
                }
            }
        });
        let production_chosen =
            cx.profiles.iter().any(|p| self.chosen.contains(&p.id) && p.environment.is_production());
        if production_chosen {
            ui.add_enabled(
                !self.is_running(),
                egui::Checkbox::new(
                    &mut self.confirm_production,
                    egui::RichText::new("Also send the requests that can change data with Production profiles").color(palette.warning),
                ),
            )
            .on_hover_text("Off: POST, PUT, PATCH and DELETE requests are not sent with Production (live) profiles; their cells say so.");
        }
        ui.horizontal(|ui| {
            match &self.state {
                RunState::Running { .. } => {
                    ui.spinner();
                    ui.label(format!("{} of {} done", self.done, self.total));
                    if ui.button("Stop").on_hover_text("Requests already out finish; the rest are not sent").clicked() {
                        commands.push(Command::Collections(CollectionCommand::StopRun));
                    }
                }
                state => {
                    let label = if matches!(state, RunState::Setup) { "Run" } else { "Run again" };
                    let can = !self.chosen.is_empty() && !self.rows.is_empty();
                    if ui.add_enabled(can, egui::Button::new(label)).clicked() {
                        commands.push(Command::Collections(CollectionCommand::StartRun));
                    }
                    let at_once = ui.label("At once");
                    ui.add(egui::DragValue::new(&mut self.concurrency).range(1..=64))
                        .labelled_by(at_once.id)
                        .on_hover_text("How many requests are in flight at the same time");
                    if self.chosen.is_empty() {
                        ui.label(egui::RichText::new("Pick at least one profile.").color(palette.muted));
                    }
                }
            }
            if !self.cells.is_empty() {
                let (passed, failed, skipped) = self.counts();
                ui.separator();
                ui.label(egui::RichText::new(format!("{passed} passed")).color(palette.success));
                ui.label(egui::RichText::new(format!("{failed} failed")).color(if failed > 0 {
                    palette.error
                } else {
                    palette.muted
                }));
                ui.label(egui::RichText::new(format!("{skipped} not sent")).color(if skipped > 0 {
                    palette.warning
                } else {
                    palette.muted
                }));
            }
        });
        match &self.state {
            RunState::Failed(why) => {
                ui.label(egui::RichText::new(why).color(palette.error));
            }
            RunState::Finished { stopped: true } => {
                ui.label(egui::RichText::new("Stopped: the requests not sent say so.").color(palette.muted));
            }
            _ => {}
        }
        if self.columns.is_empty() {
            return;
        }
        ui.separator();
        ui.label(
            egui::RichText::new(
                "Hover a cell for what happened; click a failed one to open its explanation; right-click a cell to run it again.",
            )
                .small()
                .color(palette.muted),
        );
        let columns: Vec<(ProfileId, String)> = self
            .columns
            .iter()
            .map(|id| (id.clone(), cx.profile(id).map_or_else(|| "(removed profile)".to_owned(), |p| p.name.clone())))
            .collect();
        egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| {
            egui::Grid::new("run_grid").striped(true).num_columns(columns.len() + 1).spacing([16.0, 6.0]).show(
                ui,
                |ui| {
                    ui.label(egui::RichText::new("Request").strong());
                    for (_, name) in &columns {
                        ui.label(egui::RichText::new(name).strong());
                    }
                    ui.end_row();
                    for row in &self.rows {
                        ui.horizontal(|ui| {
                            ui.add_sized(
                                [40.0, 16.0],
                                egui::Label::new(
                                    egui::RichText::new(&row.method).monospace().small().color(palette.muted),
                                ),
                            );
                            ui.label(&row.label);
                        });
                        for (profile, _) in &columns {
                            match self.cells.get(&(row.path.clone(), profile.clone())) {
                                None => {
                                    let words = if self.is_running() { "…" } else { "—" };
                                    ui.label(egui::RichText::new(words).color(palette.muted));
                                }
                                Some(record) => {
                                    let (text, color) = cell_words(record, palette);
                                    let note = record.note();
                                    let failed = !record.ok() && record.skipped().is_none();
                                    let button = ui
                                        .vertical(|ui| {
                                            let button = ui.add(
                                                egui::Button::new(egui::RichText::new(text).color(color)).frame(false),
                                            );
                                            // A failure says why at a glance: the headline, cut short.
                                            if failed && !note.is_empty() {
                                                ui.add(
                                                    egui::Label::new(
                                                        egui::RichText::new(short(&note, 44))
                                                            .small()
                                                            .color(palette.muted),
                                                    )
                                                    .wrap_mode(egui::TextWrapMode::Extend),
                                                );
                                            }
                                            button
                                        })
                                        .inner;
                                    let button = if note.is_empty() { button } else { button.on_hover_text(note) };
                                    if button.clicked() && record.explained().is_some() {
                                        commands.push(Command::Collections(CollectionCommand::OpenRunCell {
                                            request: row.path.clone(),
                                            profile: profile.clone(),
                                        }));
                                    }
                                    let running = self.is_running();
                                    button.context_menu(|ui| {
                                        if ui.add_enabled(!running, egui::Button::new("Run this one again")).clicked() {
                                            commands.push(Command::Collections(CollectionCommand::RerunCell {
                                                request: row.path.clone(),
                                                profile: profile.clone(),
                                            }));
                                            ui.close();
                                        }
                                    });
                                }
                            }
                        }
                        ui.end_row();
                    }
                },
            );
        });
    }
}

/// What a cell shows: "200 · 3 ms", "no answer", "not sent", with its color.
fn cell_words(record: &RunRecord, palette: crate::ui::theme::Palette) -> (String, egui::Color32) {
    if record.skipped().is_some() {
        return ("not sent".to_owned(), palette.warning);
    }
    let color = if record.ok() { palette.success } else { palette.error };
    match (record.status(), record.ms()) {
        (Some(status), Some(ms)) => (format!("{status} · {ms} ms"), color),
        (Some(status), None) => (status.to_string(), color),
        (None, _) => ("no answer".to_owned(), palette.error),
    }
}

/// At most `max` characters, cut at a word with "…".
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}
