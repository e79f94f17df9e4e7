//! Choosing a file or a folder inside the window: no system dialog is needed (none may be
//! installed), and it looks the same everywhere. The view owns its state; reading a folder is the
//! app's work on a worker (the view asks with [`Browse::List`] and is given the answer with
//! [`FileBrowser::listed`]), so the UI thread never waits on a slow disk.

use crate::infra::read::{FolderEntry, Listing};
use std::path::{Path, PathBuf};

/// What the person did in the browser this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browse {
    Nothing,
    /// Read this folder (the browser shows it once [`FileBrowser::listed`] is called).
    List(PathBuf),
    /// This file or folder was chosen.
    Chosen(PathBuf),
    Cancelled,
}

enum Shown {
    Reading,
    Read { entries: Vec<FolderEntry>, cut: bool },
    Failed(String),
}

pub struct FileBrowser {
    dir: PathBuf,
    /// The address line, as typed.
    typed: String,
    listing: Shown,
    /// The row clicked once: a file to add, or a folder to open.
    selected: Option<String>,
    /// A file's path typed in whole: the next [`Self::show`] chooses it.
    typed_file: Option<PathBuf>,
    /// Files whose name ends with one of these are shown as the ones to pick; others are muted.
    wanted: &'static [&'static str],
}

impl FileBrowser {
    /// A browser at `dir`; the first [`Browse::List`] comes from the first [`Self::show`].
    pub fn new(dir: PathBuf, wanted: &'static [&'static str]) -> (Self, Browse) {
        let browse = Browse::List(dir.clone());
        let typed = dir.display().to_string();
        (Self { dir, typed, listing: Shown::Reading, selected: None, typed_file: None, wanted }, browse)
    }

    /// The folder's contents, or why they could not be read. An answer for a folder the person
    /// has already left is dropped. A path that turned out to be a file is chosen (the person
    /// typed or pasted a file's whole path), and the browser stays in the file's folder.
    pub fn listed(&mut self, dir: &Path, result: Result<Listing, String>) {
        if dir != self.dir {
            return;
        }
        self.listing = match result {
            Ok(Listing::Folder { entries, cut }) => Shown::Read { entries, cut },
            Ok(Listing::File) => {
                self.typed_file = Some(dir.to_path_buf());
                if let Some(parent) = dir.parent() {
                    self.dir = parent.to_path_buf();
                    self.typed = self.dir.display().to_string();
                }
                Shown::Reading
            }
            Err(why) => Shown::Failed(why),
        };
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn go(&mut self, dir: PathBuf) -> Browse {
        self.typed = dir.display().to_string();
        self.dir.clone_from(&dir);
        self.listing = Shown::Reading;
        self.selected = None;
        Browse::List(dir)
    }

    fn is_folder(&self, name: &str) -> bool {
        matches!(&self.listing, Shown::Read { entries, .. } if entries.iter().any(|e| e.is_dir && e.name == name))
    }

    fn is_wanted(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.wanted.iter().any(|ext| lower.ends_with(ext))
    }

    pub fn show(&mut self, ui: &mut egui::Ui, palette: crate::ui::theme::Palette) -> Browse {
        if let Some(file) = self.typed_file.take() {
            return Browse::Chosen(file);
        }
        let mut action = Browse::Nothing;
        ui.horizontal(|ui| {
            let up = self.dir.parent().map(Path::to_path_buf);
            if ui
                .add_enabled(up.is_some(), egui::Button::new("Up"))
                .on_hover_text("The folder this one is in")
                .clicked()
                && let Some(up) = up
            {
                action = self.go(up);
            }
            let label = ui.label("Folder");
            let edit = ui
                .add(egui::TextEdit::singleline(&mut self.typed).desired_width(ui.available_width() - 8.0))
                .labelled_by(label.id);
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let typed = PathBuf::from(self.typed.trim());
                action = self.go(typed);
            }
        });
        let row_height = 22.0;
        let frame = egui::Frame::group(ui.style()).inner_margin(4.0);
        frame.show(ui, |ui| {
            ui.set_min_height(200.0);
            match &self.listing {
                Shown::Reading => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the folder…");
                    });
                }
                Shown::Failed(why) => {
                    ui.label(egui::RichText::new(why).color(palette.error));
                }
                Shown::Read { entries, cut } => {
                    if entries.is_empty() {
                        ui.label(egui::RichText::new("This folder is empty.").color(palette.muted));
                    }
                    let mut open = None;
                    let mut chosen = None;
                    let mut select = None;
                    egui::ScrollArea::vertical().max_height(240.0).auto_shrink([false, true]).show_rows(
                        ui,
                        row_height,
                        entries.len(),
                        |ui, rows| {
                            for entry in &entries[rows] {
                                let text = if entry.is_dir {
                                    egui::RichText::new(format!("{}/", entry.name)).strong()
                                } else if self.is_wanted(&entry.name) {
                                    egui::RichText::new(&entry.name)
                                } else {
                                    egui::RichText::new(&entry.name).color(palette.muted)
                                };
                                let selected = self.selected.as_deref() == Some(entry.name.as_str());
                                let row = ui.horizontal(|ui| {
                                    let row = ui.add(egui::Button::selectable(selected, text));
                                    if !entry.is_dir {
                                        ui.label(
                                            egui::RichText::new(crate::infra::read::size_words(entry.bytes))
                                                .small()
                                                .color(palette.muted),
                                        );
                                    }
                                    row
                                });
                                let row = row.inner;
                                if row.double_clicked() {
                                    if entry.is_dir {
                                        open = Some(entry.name.clone());
                                    } else {
                                        chosen = Some(entry.name.clone());
                                    }
                                } else if row.clicked() {
                                    select = Some(entry.name.clone());
                                }
                            }
                        },
                    );
                    if *cut {
                        ui.label(
                            egui::RichText::new(format!(
                                "Only the first {} are listed: type the file's path instead.",
                                crate::infra::read::FOLDER_ENTRIES
                            ))
                            .small()
                            .color(palette.warning),
                        );
                    }
                    if let Some(name) = open {
                        action = self.go(self.dir.join(name));
                    } else if let Some(name) = chosen {
                        action = Browse::Chosen(self.dir.join(name));
                    } else if let Some(name) = select {
                        self.selected = Some(name);
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            let selected = self.selected.clone();
            let folder = selected.as_ref().is_some_and(|name| self.is_folder(name));
            let pick = egui::Button::new(match &selected {
                Some(name) if folder => format!("Open {name}/"),
                Some(name) => format!("Add {name}"),
                None => "Add the chosen file".to_owned(),
            });
            if ui.add_enabled(selected.is_some(), pick).clicked()
                && let Some(name) = selected
            {
                action = if folder { self.go(self.dir.join(name)) } else { Browse::Chosen(self.dir.join(name)) };
            }
            if ui
                .button("Add this folder")
                .on_hover_text("For a Bruno collection or a Postman collection kept as a folder")
                .clicked()
            {
                action = Browse::Chosen(self.dir.clone());
            }
            if ui.button("Cancel").clicked() {
                action = Browse::Cancelled;
            }
        });
        action
    }
}
