//! The collections in the sidebar: every open collection as a tree of folders and requests, a
//! filter box, and the actions on a request (open, rename, duplicate, move, delete with undo) or a
//! collection (run, close); the "Save request" box for a request that was never saved; and the
//! tab strip above the request editor.
//!
//! Views own their state and return commands; the files are read and written by the app's tasks.

use crate::core::collection::{RequestEntry, RequestPath, SavedRequest};
use crate::core::export::ExportFormat;
use crate::core::profile::ProfileId;
use crate::ui::command::{CollectionCommand, Command, LoadedCollection, SaveTarget, TabCommand, TabId};
use crate::ui::panels::request_tab::RequestTab;
use crate::ui::view::ViewCx;
use std::path::{Path, PathBuf};

/// A request being renamed in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renaming {
    pub dir: PathBuf,
    pub path: RequestPath,
    pub name: String,
    /// Give the box the keyboard on its first frame.
    pub focus: bool,
}

/// The request deleted last, until the next change: "Undo" puts it back.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub dir: PathBuf,
    pub path: RequestPath,
    pub request: SavedRequest,
}

/// The small form under the list: open a folder, or make a new collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddForm {
    Open { dir: String },
    New { dir: String, name: String },
}

/// The "Export…" form of one collection: the format, where relative addresses point, the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportForm {
    pub dir: PathBuf,
    pub name: String,
    pub format: ExportFormat,
    /// Relative addresses get this profile's base URL; none leaves a `{{baseUrl}}` to fill in.
    pub profile: Option<ProfileId>,
    pub file: String,
    pub focus: bool,
}

impl ExportForm {
    pub fn new(dir: &Path, name: &str, format: ExportFormat) -> Self {
        let mut form = Self {
            dir: dir.to_path_buf(),
            name: name.to_owned(),
            format,
            profile: None,
            file: String::new(),
            focus: true,
        };
        form.file = form.default_file(format);
        form
    }

    /// Beside the collection's folder, named after the collection.
    fn default_file(&self, format: ExportFormat) -> String {
        let parent = self.dir.parent().unwrap_or(&self.dir);
        parent.join(format.file_name(&self.name)).display().to_string()
    }

    /// The file to write: a relative name is taken beside the collection's folder.
    pub fn target(&self) -> PathBuf {
        let typed = PathBuf::from(self.file.trim());
        if typed.is_absolute() { typed } else { self.dir.parent().unwrap_or(&self.dir).join(typed) }
    }
}

/// The collections part of the sidebar.
#[derive(Default)]
pub struct CollectionsView {
    pub loaded: Vec<LoadedCollection>,
    /// Read at least once (an empty list then means "none open", not "not read yet").
    pub read_once: bool,
    pub filter: String,
    pub renaming: Option<Renaming>,
    pub deleted: Option<Deleted>,
    pub add: Option<AddForm>,
    /// What the last action said, or why it was refused.
    pub status: Option<(String, bool)>,
    /// Where new collections go unless the person types another folder.
    pub default_dir: PathBuf,
    /// The add form was just opened: its first field takes the keyboard.
    pub add_focus: bool,
    pub export: Option<ExportForm>,
    /// The height of a request row as last drawn, for the room a row out of sight takes.
    row_height: f32,
}

impl CollectionsView {
    /// The collection at `dir`, when it is open and readable.
    pub fn collection(&self, dir: &Path) -> Option<&crate::core::collection::Collection> {
        self.loaded.iter().find(|c| c.path == dir).and_then(|c| c.collection.as_deref().ok())
    }

    /// Requests whose name, method or address holds the filter text (all of them when empty).
    pub fn matching<'a>(&self, entries: &'a [RequestEntry]) -> Vec<&'a RequestEntry> {
        let needle = self.filter.trim().to_lowercase();
        entries
            .iter()
            .filter(|e| {
                needle.is_empty()
                    || e.request.name.to_lowercase().contains(&needle)
                    || e.request.draft.method.as_str().to_lowercase() == needle
                    || e.request.draft.url.to_lowercase().contains(&needle)
                    || e.path.folder().to_lowercase().contains(&needle)
            })
            .collect()
    }

    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, open: Option<(&Path, &RequestPath)>) -> Vec<Command> {
        let mut commands = Vec::new();
        let palette = cx.theme.palette;
        // Drawn here, not by the dragged row: its name stays by the pointer even when the row
        // has scrolled out of sight (and so is not laid out) while the pointer looks for a folder.
        if let Some(dragged) = egui::DragAndDrop::payload::<Dragged>(ui.ctx()) {
            dragged_label(ui, &dragged.name, palette);
        }
        ui.horizontal_wrapped(|ui| {
            if ui.button("New collection…").clicked() {
                let dir = self.default_dir.join("New collection").display().to_string();
                self.add = Some(AddForm::New { dir, name: "New collection".to_owned() });
                self.add_focus = true;
            }
            if ui
                .button("Open folder…")
                .on_hover_text("Open a collection folder, for example one in your own git repository")
                .clicked()
            {
                self.add = Some(AddForm::Open { dir: String::new() });
                self.add_focus = true;
            }
            if ui.button("Import…").on_hover_text("Bring in an OpenAPI, Postman, Insomnia, Bruno or HAR file").clicked()
            {
                commands.push(Command::Collections(CollectionCommand::OpenImport(None)));
            }
        });
        self.add_form_ui(ui, cx, &mut commands);
        self.export_form_ui(ui, cx, &mut commands);
        if let Some((words, is_error)) = &self.status {
            let color = if *is_error { palette.error } else { palette.muted };
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(words).small().color(color));
                if self.deleted.is_some() && ui.small_button("Undo").clicked() {
                    commands.push(Command::Collections(CollectionCommand::UndoDelete));
                }
            });
        }
        if self.loaded.is_empty() {
            let words = if self.read_once {
                "No collection is open. Save a request with Ctrl+S, open a collection folder, or import a file."
            } else {
                "Reading the collections…"
            };
            ui.label(egui::RichText::new(words).small().color(palette.muted));
            return commands;
        }
        let total: usize =
            self.loaded.iter().filter_map(|c| c.collection.as_ref().ok()).map(|c| c.requests.len()).sum();
        if total > 0 {
            let label = ui.label(egui::RichText::new("Find a request").small().color(palette.muted));
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("name, method or address")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        }
        egui::ScrollArea::vertical().id_salt("collections").auto_shrink([false, false]).show(ui, |ui| {
            for i in 0..self.loaded.len() {
                self.collection_ui(ui, cx, i, open, &mut commands);
            }
        });
        commands
    }

    fn export_form_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
        let Some(form) = &mut self.export else { return };
        let muted = cx.theme.palette.muted;
        let mut close = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(format!("Export \"{}\" for other tools", form.name)).strong());
            ui.horizontal_wrapped(|ui| {
                for (format, words) in
                    [(ExportFormat::Postman, "Postman collection"), (ExportFormat::OpenApi, "OpenAPI 3.1")]
                {
                    if ui.radio(form.format == format, words).clicked() && form.format != format {
                        // A file name the person has not changed follows the format.
                        if form.file == form.default_file(form.format) {
                            form.file = form.default_file(format);
                        }
                        form.format = format;
                    }
                }
            });
            let label = ui.label("Addresses");
            let chosen = form.profile.as_ref().and_then(|id| cx.profile(id));
            let shown = chosen.map_or_else(
                || "Keep {{baseUrl}}".to_owned(),
                |p| format!("{} ({})", p.name, p.base_url),
            );
            egui::ComboBox::from_id_salt("export-addresses")
                .selected_text(shown)
                .width(ui.available_width())
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut form.profile, None, "Keep {{baseUrl}}");
                    for p in cx.profiles {
                        ui.selectable_value(&mut form.profile, Some(p.id.clone()), format!("{} ({})", p.name, p.base_url));
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("File");
            let edit = ui.add(egui::TextEdit::singleline(&mut form.file).desired_width(f32::INFINITY)).labelled_by(label.id);
            if std::mem::take(&mut form.focus) {
                edit.request_focus();
            }
            ui.label(
                egui::RichText::new("No secret goes in the file: each {{secret:…}} becomes an empty variable of that name. An existing file is never replaced.")
                    .small()
                    .color(muted),
            );
            ui.horizontal(|ui| {
                let ok = !form.file.trim().is_empty();
                if ui.add_enabled(ok, egui::Button::new("Export")).clicked() {
                    commands.push(Command::Collections(CollectionCommand::Export {
                        dir: form.dir.clone(),
                        format: form.format,
                        profile: form.profile.clone(),
                        file: form.target(),
                    }));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.export = None;
        }
    }

    fn add_form_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
        let Some(form) = &mut self.add else { return };
        let mut close = false;
        let focus = std::mem::take(&mut self.add_focus);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            match form {
                AddForm::Open { dir } => {
                    let label = ui.label("Collection folder");
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(dir)
                                .hint_text("/path/to/your/repo/api")
                                .desired_width(f32::INFINITY),
                        )
                        .labelled_by(label.id);
                    if focus {
                        edit.request_focus();
                    }
                    ui.label(
                        egui::RichText::new(format!("A folder that holds a {} file.", crate::core::collection::COLLECTION_FILE)).small().color(cx.theme.palette.muted),
                    );
                    ui.horizontal(|ui| {
                        let ok = !dir.trim().is_empty();
                        if ui.add_enabled(ok, egui::Button::new("Open")).clicked()
                            || (ok && edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
                        {
                            commands.push(Command::Collections(CollectionCommand::Open(dir.trim().to_owned())));
                            close = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
                AddForm::New { dir, name } => {
                    let label = ui.label("Name");
                    let edit =
                        ui.add(egui::TextEdit::singleline(name).desired_width(f32::INFINITY)).labelled_by(label.id);
                    if focus {
                        edit.request_focus();
                    }
                    let label = ui.label("Folder");
                    ui.add(egui::TextEdit::singleline(dir).desired_width(f32::INFINITY)).labelled_by(label.id);
                    ui.label(
                        egui::RichText::new("One plain-text file per request goes in this folder. It can be inside your git repository.")
                            .small()
                            .color(cx.theme.palette.muted),
                    );
                    ui.horizontal(|ui| {
                        let ok = !dir.trim().is_empty() && !name.trim().is_empty();
                        if ui.add_enabled(ok, egui::Button::new("Create")).clicked() {
                            commands.push(Command::Collections(CollectionCommand::Create {
                                dir: dir.trim().to_owned(),
                                name: name.trim().to_owned(),
                            }));
                            close = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
            }
        });
        if close {
            self.add = None;
        }
    }

    fn collection_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        index: usize,
        open: Option<(&Path, &RequestPath)>,
        commands: &mut Vec<Command>,
    ) {
        let palette = cx.theme.palette;
        let loaded = &self.loaded[index];
        let dir = loaded.path.clone();
        let loaded_name = loaded.name.clone();
        let filtering = !self.filter.trim().is_empty();
        let header = egui::CollapsingHeader::new(egui::RichText::new(&loaded.name).strong())
            .id_salt(("collection", &dir))
            .default_open(true)
            .open(filtering.then_some(true));
        let collection = loaded.collection.clone();
        let response = header.show(ui, |ui| {
            let collection = match &collection {
                Ok(c) => c,
                Err(why) => {
                    ui.label(egui::RichText::new(why).small().color(palette.error));
                    return;
                }
            };
            for problem in &collection.problems {
                ui.label(egui::RichText::new(problem.to_string()).small().color(palette.warning));
            }
            let rows = self.matching(&collection.requests);
            if rows.is_empty() {
                let words =
                    if filtering { "Nothing here matches." } else { "No requests yet. Save one here with Ctrl+S." };
                ui.label(egui::RichText::new(words).small().color(palette.muted));
                return;
            }
            // Worked out once a frame, not once a row: a collection may hold thousands.
            let folders = collection.folders();
            let mut by_folder: std::collections::HashMap<&str, Vec<&RequestEntry>> = std::collections::HashMap::new();
            for entry in &rows {
                by_folder.entry(entry.path.folder()).or_default().push(entry);
            }
            // The root's requests first, then each folder (nested ones indented by depth).
            let mut shown_root = false;
            for folder in std::iter::once(String::new()).chain(folders.iter().filter(|f| !f.is_empty()).cloned()) {
                let in_folder: Vec<&RequestEntry> = by_folder.get(folder.as_str()).cloned().unwrap_or_default();
                if folder.is_empty() {
                    if shown_root {
                        continue;
                    }
                    shown_root = true;
                    for entry in in_folder {
                        self.request_row(ui, cx, &dir, entry, open, &folders, commands);
                    }
                    continue;
                }
                if in_folder.is_empty() && filtering {
                    continue;
                }
                let depth = folder.matches('/').count();
                let title = folder.rsplit('/').next().unwrap_or(&folder).to_owned();
                ui.horizontal(|ui| {
                    ui.add_space(f32::from(u8::try_from(depth.min(8)).unwrap_or(8)) * 12.0);
                    ui.vertical(|ui| {
                        let folder_header = egui::CollapsingHeader::new(title)
                            .id_salt(("folder", &dir, &folder))
                            .default_open(true)
                            .open(filtering.then_some(true))
                            .show(ui, |ui| {
                                if in_folder.is_empty() {
                                    ui.label(egui::RichText::new("Empty folder").small().color(palette.muted));
                                }
                                for entry in &in_folder {
                                    self.request_row(ui, cx, &dir, entry, open, &folders, commands);
                                }
                            });
                        drop_target(&folder_header.header_response, &dir, &folder, palette, commands);
                        folder_header.header_response.context_menu(|ui| {
                            if ui.button("Run this folder…").clicked() {
                                commands.push(Command::Collections(CollectionCommand::OpenRun {
                                    dir: dir.clone(),
                                    folder: Some(folder.clone()),
                                }));
                                ui.close();
                            }
                        });
                    });
                });
            }
        });
        drop_target(&response.header_response, &dir, "", palette, commands);
        response.header_response.on_hover_text(dir.display().to_string()).context_menu(|ui| {
            if ui.button("Run the collection…").clicked() {
                commands.push(Command::Collections(CollectionCommand::OpenRun { dir: dir.clone(), folder: None }));
                ui.close();
            }
            if ui.button("Export for Postman…").clicked() {
                self.export = Some(ExportForm::new(&dir, &loaded_name, ExportFormat::Postman));
                ui.close();
            }
            if ui.button("Export as OpenAPI…").clicked() {
                self.export = Some(ExportForm::new(&dir, &loaded_name, ExportFormat::OpenApi));
                ui.close();
            }
            if ui.button("Read it again from disk").clicked() {
                commands.push(Command::Collections(CollectionCommand::Reload));
                ui.close();
            }
            if ui.button("Close (the files stay)").clicked() {
                commands.push(Command::Collections(CollectionCommand::Close(dir.clone())));
                ui.close();
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn request_row(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        dir: &Path,
        entry: &RequestEntry,
        open: Option<(&Path, &RequestPath)>,
        folders: &[String],
        commands: &mut Vec<Command>,
    ) {
        let palette = cx.theme.palette;
        if let Some(renaming) = &mut self.renaming
            && renaming.dir == dir
            && renaming.path == entry.path
        {
            let edit = ui
                .horizontal(|ui| {
                    let label = ui.label(egui::RichText::new("New name").small().color(palette.muted));
                    ui.add(egui::TextEdit::singleline(&mut renaming.name).desired_width(f32::INFINITY))
                        .labelled_by(label.id)
                })
                .inner;
            if renaming.focus {
                edit.request_focus();
                renaming.focus = false;
            }
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
            if enter && !renaming.name.trim().is_empty() {
                commands.push(Command::Collections(CollectionCommand::Rename {
                    dir: dir.to_path_buf(),
                    path: entry.path.clone(),
                    name: renaming.name.trim().to_owned(),
                }));
                self.renaming = None;
            } else if escape || (edit.lost_focus() && !enter) {
                self.renaming = None;
            }
            return;
        }
        // A row out of sight takes its room and nothing more: with thousands of requests, laying
        // out only the visible ones keeps a frame short.
        let height = if self.row_height > 0.0 { self.row_height } else { ui.spacing().interact_size.y };
        let room = egui::vec2(ui.available_width(), height);
        let place = egui::Rect::from_min_size(ui.cursor().min, room);
        if !ui.is_rect_visible(place) && self.renaming.is_none() {
            ui.allocate_exact_size(room, egui::Sense::hover());
            return;
        }
        let selected = open.is_some_and(|(d, p)| d == dir && p == &entry.path);
        let method = entry.request.draft.method.as_str();
        let mut text = egui::text::LayoutJob::default();
        text.append(
            &format!("{method:<6} "),
            0.0,
            egui::TextFormat { font_id: egui::FontId::monospace(11.0), color: palette.muted, ..Default::default() },
        );
        text.append(
            &entry.request.name,
            0.0,
            egui::TextFormat { font_id: egui::FontId::proportional(14.0), color: palette.text, ..Default::default() },
        );
        let row = ui
            .add(egui::Button::selectable(selected, text).truncate().sense(egui::Sense::click_and_drag()))
            .on_hover_text(format!("{method} {}", entry.request.draft.url));
        self.row_height = row.rect.height();
        row.dnd_set_drag_payload(Dragged {
            dir: dir.to_path_buf(),
            path: entry.path.clone(),
            name: entry.request.name.clone(),
        });
        drop_target(&row, dir, entry.path.folder(), palette, commands);
        let row = if entry.literal_secrets.is_empty() {
            row
        } else {
            row.on_hover_text(
                "This file holds a credential of its own: open it and move it into a profile before sending.",
            )
        };
        if row.clicked() {
            commands.push(Command::Collections(CollectionCommand::OpenRequest {
                dir: dir.to_path_buf(),
                path: entry.path.clone(),
            }));
        }
        row.context_menu(|ui| {
            if ui.button("Open").clicked() {
                commands.push(Command::Collections(CollectionCommand::OpenRequest {
                    dir: dir.to_path_buf(),
                    path: entry.path.clone(),
                }));
                ui.close();
            }
            if ui.button("Rename").clicked() {
                self.renaming = Some(Renaming {
                    dir: dir.to_path_buf(),
                    path: entry.path.clone(),
                    name: entry.request.name.clone(),
                    focus: true,
                });
                ui.close();
            }
            if ui.button("Duplicate").clicked() {
                commands.push(Command::Collections(CollectionCommand::Duplicate {
                    dir: dir.to_path_buf(),
                    path: entry.path.clone(),
                }));
                ui.close();
            }
            ui.menu_button("Move to", |ui| {
                for folder in folders.iter().filter(|f| f.as_str() != entry.path.folder()) {
                    let label = if folder.is_empty() { "(top of the collection)" } else { folder.as_str() };
                    if ui.button(label).clicked() {
                        commands.push(Command::Collections(CollectionCommand::Move {
                            dir: dir.to_path_buf(),
                            path: entry.path.clone(),
                            folder: folder.clone(),
                        }));
                        ui.close();
                    }
                }
                if !entry.path.folder().is_empty()
                    && !folders.iter().any(String::is_empty)
                    && ui.button("(top of the collection)").clicked()
                {
                    {
                        commands.push(Command::Collections(CollectionCommand::Move {
                            dir: dir.to_path_buf(),
                            path: entry.path.clone(),
                            folder: String::new(),
                        }));
                        ui.close();
                    }
                }
            });
            ui.separator();
            if ui.button("Delete").clicked() {
                commands.push(Command::Collections(CollectionCommand::Delete {
                    dir: dir.to_path_buf(),
                    path: entry.path.clone(),
                }));
                ui.close();
            }
        });
    }
}

/// A saved request being dragged in the sidebar, to move it to another folder.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dragged {
    dir: PathBuf,
    path: RequestPath,
    name: String,
}

/// The request's name beside the pointer while it is dragged.
fn dragged_label(ui: &egui::Ui, name: &str, palette: crate::ui::theme::Palette) {
    let Some(pointer) = ui.ctx().pointer_interact_pos() else { return };
    ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
    egui::Area::new(egui::Id::unique("dragged_request"))
        .order(egui::Order::Tooltip)
        .fixed_pos(pointer + egui::vec2(14.0, 4.0))
        .interactable(false)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.label(egui::RichText::new(name).color(palette.text));
            });
        });
}

/// A place in the tree a dragged request can be dropped on, moving it into `folder` (`""`: the
/// top of the collection). Requests move within their own collection; held over the folder it is
/// already in, nothing is marked.
fn drop_target(
    target: &egui::Response,
    dir: &Path,
    folder: &str,
    palette: crate::ui::theme::Palette,
    commands: &mut Vec<Command>,
) {
    let movable = |d: &Dragged| d.dir == dir && d.path.folder() != folder;
    if target.dnd_hover_payload::<Dragged>().is_some_and(|d| movable(&d)) {
        target.ctx.set_cursor_icon(egui::CursorIcon::Grabbing);
        target.ctx.layer_painter(target.layer_id).rect_stroke(
            target.rect.expand(1.0),
            4.0,
            egui::Stroke::new(2.0, palette.accent),
            egui::StrokeKind::Outside,
        );
    }
    if let Some(dropped) = target.dnd_release_payload::<Dragged>()
        && movable(&dropped)
    {
        commands.push(Command::Collections(CollectionCommand::Move {
            dir: dropped.dir.clone(),
            path: dropped.path.clone(),
            folder: folder.to_owned(),
        }));
    }
}

/// "Save request": where a request that was never saved goes.
pub struct SaveDialog {
    pub tab: TabId,
    /// Index into the open collections, or None for a new collection.
    pub collection: Option<usize>,
    pub folder: String,
    pub name: String,
    pub new_dir: String,
    pub new_name: String,
    pub focus: bool,
}

impl SaveDialog {
    pub fn new(tab: &RequestTab, collections: &CollectionsView) -> Self {
        let first = collections.loaded.iter().position(|c| c.collection.is_ok());
        let name = match tab.draft.url.trim() {
            "" => "New request".to_owned(),
            _ => tab.title(),
        };
        Self {
            tab: tab.id,
            collection: first,
            folder: String::new(),
            name,
            new_dir: collections.default_dir.join("My API").display().to_string(),
            new_name: "My API".to_owned(),
            focus: true,
        }
    }

    /// Draw the box; false when it is closed.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        cx: &ViewCx<'_>,
        collections: &CollectionsView,
        commands: &mut Vec<Command>,
    ) -> bool {
        let mut open = true;
        let mut close = false;
        egui::Window::new("Save request")
            .collapsible(false)
            .resizable(false)
            .default_width(420.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .open(&mut open)
            .show(ctx, |ui| {
                egui::Grid::new("save_request").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                    let label = ui.label("Name");
                    let edit =
                        ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(280.0)).labelled_by(label.id);
                    if self.focus {
                        edit.request_focus();
                        self.focus = false;
                    }
                    ui.end_row();
                    ui.label("Collection");
                    let chosen = self
                        .collection
                        .and_then(|i| collections.loaded.get(i))
                        .map_or_else(|| "A new collection".to_owned(), |c| c.name.clone());
                    egui::ComboBox::from_id_salt("save_collection").selected_text(chosen).width(280.0).show_ui(
                        ui,
                        |ui| {
                            for (i, c) in collections.loaded.iter().enumerate().filter(|(_, c)| c.collection.is_ok()) {
                                ui.selectable_value(&mut self.collection, Some(i), &c.name);
                            }
                            ui.selectable_value(&mut self.collection, None, "A new collection");
                        },
                    );
                    ui.end_row();
                    if self.collection.is_none() {
                        let label = ui.label("Its name");
                        ui.add(egui::TextEdit::singleline(&mut self.new_name).desired_width(280.0))
                            .labelled_by(label.id);
                        ui.end_row();
                        let label = ui.label("Its folder");
                        ui.add(egui::TextEdit::singleline(&mut self.new_dir).desired_width(280.0))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                    let label = ui.label("Folder");
                    let folders: Vec<String> = self
                        .collection
                        .and_then(|i| collections.loaded.get(i))
                        .and_then(|c| c.collection.as_ref().ok())
                        .map(|c| c.folders().into_iter().filter(|f| !f.is_empty()).collect())
                        .unwrap_or_default();
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::TextEdit::singleline(&mut self.folder)
                                .hint_text("(top of the collection)")
                                .desired_width(200.0),
                        )
                        .labelled_by(label.id);
                        if !folders.is_empty() {
                            ui.menu_button("Pick", |ui| {
                                for f in &folders {
                                    if ui.button(f).clicked() {
                                        self.folder.clone_from(f);
                                        ui.close();
                                    }
                                }
                            });
                        }
                    });
                    ui.end_row();
                });
                ui.label(
                    egui::RichText::new(
                        "The file keeps the request without its credential: the active profile adds it when you send.",
                    )
                    .small()
                    .color(cx.theme.palette.muted),
                );
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    let target = match self.collection.and_then(|i| collections.loaded.get(i)) {
                        Some(c) => Some(SaveTarget::Existing(c.path.clone())),
                        None if !self.new_dir.trim().is_empty() && !self.new_name.trim().is_empty() => {
                            Some(SaveTarget::New {
                                dir: self.new_dir.trim().to_owned(),
                                name: self.new_name.trim().to_owned(),
                            })
                        }
                        None => None,
                    };
                    let ok = target.is_some() && !self.name.trim().is_empty();
                    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.add_enabled(ok, egui::Button::new("Save")).clicked() || (ok && enter) {
                        if let Some(target) = target {
                            commands.push(Command::Collections(CollectionCommand::SaveAs {
                                tab: self.tab,
                                target,
                                folder: self.folder.trim().to_owned(),
                                name: self.name.trim().to_owned(),
                            }));
                        }
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        open && !close
    }
}

/// The tab strip: one button per open request (a dot when it has unsaved changes), a close
/// button on each, and "+" for a new one. A tab with unsaved changes asks before it closes.
#[derive(Default)]
pub struct TabStrip {
    /// The tab whose close is waiting for an answer.
    pub closing: Option<TabId>,
}

impl TabStrip {
    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, tabs: &[RequestTab], active: usize) -> Vec<Command> {
        let mut commands = Vec::new();
        let palette = cx.theme.palette;
        egui::ScrollArea::horizontal().id_salt("tab_strip").max_height(30.0).show(ui, |ui| {
            ui.horizontal(|ui| {
                for (i, tab) in tabs.iter().enumerate() {
                    let title: String = tab.title().chars().take(32).collect();
                    let label = if tab.is_modified() { format!("• {title}") } else { title };
                    let button = ui.add(egui::Button::selectable(i == active, label)).on_hover_text(match &tab.saved {
                        Some(saved) => format!("{} · {}", saved.collection_name, saved.path),
                        None => "Not saved yet: Ctrl+S saves it in a collection".to_owned(),
                    });
                    if button.clicked() {
                        commands.push(Command::Tabs(TabCommand::Select(tab.id)));
                    }
                    if button.middle_clicked() {
                        commands.push(Command::Tabs(TabCommand::Close(tab.id)));
                    }
                    if tabs.len() > 1 {
                        let close = ui
                            .add(egui::Button::new(egui::RichText::new("×").color(palette.muted)).frame(false))
                            .on_hover_text("Close this tab (Ctrl+W)");
                        if close.clicked() {
                            commands.push(Command::Tabs(TabCommand::Close(tab.id)));
                        }
                    }
                    ui.add_space(4.0);
                }
                if ui.button("+").on_hover_text("New request (Ctrl+T)").clicked() {
                    commands.push(Command::Tabs(TabCommand::New));
                }
            });
        });
        if let Some(id) = self.closing {
            let title = tabs.iter().find(|t| t.id == id).map(RequestTab::title);
            match title {
                None => self.closing = None,
                Some(title) => {
                    let mut answer = None;
                    egui::Window::new("Close without saving?")
                        .collapsible(false)
                        .resizable(false)
                        .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
                        .show(ui.ctx(), |ui| {
                            ui.label(format!("\"{title}\" has changes that are not saved."));
                            ui.horizontal(|ui| {
                                if ui.button("Save").clicked() {
                                    answer = Some(Command::Collections(CollectionCommand::Save(id)));
                                }
                                if ui.button("Close without saving").clicked() {
                                    answer = Some(Command::Tabs(TabCommand::Discard(id)));
                                }
                                if ui.button("Cancel").clicked() {
                                    self.closing = None;
                                }
                            });
                        });
                    if let Some(command) = answer {
                        self.closing = None;
                        commands.push(command);
                    }
                }
            }
        }
        commands
    }
}
