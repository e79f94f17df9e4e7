//! "Import…": a file or folder from another tool (`OpenAPI`, Swagger, Postman, Insomnia, Bruno,
//! HAR) becomes a collection. The window shows the preview first — requests, folders, the
//! profiles it makes, which secret goes to which profile's keychain entry, and what it leaves
//! out — and writes nothing until "Import" is clicked.

use crate::ui::command::{Command, ImportCommand};
use crate::ui::view::ViewCx;
use crate::workspace::import::{ImportDone, ImportPreview};

/// Where the import stands.
pub enum ImportStage {
    Choosing,
    Reading,
    Preview(Box<ImportPreview>),
    Writing,
    Done(ImportDone),
    Failed(String),
}

pub struct ImportView {
    /// Files or folders, one per line.
    pub sources: String,
    /// The folder the collection is written to (empty: next to where Gatepass keeps collections).
    pub into: String,
    pub name: String,
    pub stage: ImportStage,
    /// Where new collections go unless the person types another folder.
    pub default_dir: std::path::PathBuf,
    /// "Browse…": choosing a file or folder to import, when open.
    pub browser: Option<crate::ui::widgets::file_browser::FileBrowser>,
    /// Where the chooser opens: the last folder it was in (at first, the home folder).
    browse_from: std::path::PathBuf,
}

impl ImportView {
    pub fn new(source: Option<&str>, default_dir: std::path::PathBuf, browse_from: std::path::PathBuf) -> Self {
        Self {
            sources: source.unwrap_or_default().to_owned(),
            into: String::new(),
            name: String::new(),
            stage: ImportStage::Choosing,
            default_dir,
            browser: None,
            browse_from,
        }
    }

    /// Files the chooser offers first: the formats Gatepass imports.
    const IMPORTABLE: &'static [&'static str] = &[".json", ".yaml", ".yml", ".har", ".bru"];

    fn add_source(&mut self, path: &std::path::Path) {
        if !self.sources.trim().is_empty() && !self.sources.ends_with('\n') {
            self.sources.push('\n');
        }
        self.sources.push_str(&path.display().to_string());
        self.stage = ImportStage::Choosing;
    }

    fn browse_ui(&mut self, ui: &mut egui::Ui, palette: crate::ui::theme::Palette, commands: &mut Vec<Command>) {
        use crate::ui::widgets::file_browser::Browse;
        let Some(browser) = self.browser.as_mut() else { return };
        ui.add_space(4.0);
        ui.label(egui::RichText::new("Choose a file to import").strong());
        match browser.show(ui, palette) {
            Browse::Nothing => {}
            Browse::List(dir) => commands.push(Command::Import(ImportCommand::List(dir))),
            Browse::Chosen(path) => {
                self.browse_from = browser.dir().to_path_buf();
                self.browser = None;
                self.add_source(&path);
            }
            Browse::Cancelled => {
                self.browse_from = browser.dir().to_path_buf();
                self.browser = None;
            }
        }
    }

    /// The paths typed, one per line.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        self.sources.lines().map(str::trim).filter(|l| !l.is_empty()).map(std::path::PathBuf::from).collect()
    }

    /// The folder to write to: the typed one, or a new folder named after the collection.
    pub fn target(&self, collection_name: &str) -> std::path::PathBuf {
        match self.into.trim() {
            "" => self.default_dir.join(crate::core::collection::file_stem_for(collection_name)),
            typed => std::path::PathBuf::from(typed),
        }
    }

    fn busy(&self) -> bool {
        matches!(self.stage, ImportStage::Reading | ImportStage::Writing)
    }

    /// Draw the window; false when it was closed.
    pub fn show(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>, commands: &mut Vec<Command>) -> bool {
        let mut open = true;
        egui::Window::new("Import a collection")
            .open(&mut open)
            .default_width(620.0)
            .default_pos([200.0, 70.0])
            .show(ctx, |ui| self.body_ui(ui, cx, commands));
        open
    }

    fn body_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, commands: &mut Vec<Command>) {
        let palette = cx.theme.palette;
        ui.label("OpenAPI or Swagger, a Postman collection (with its environments), an Insomnia export, a Bruno folder or a HAR file.");
        ui.label(
            egui::RichText::new("You can also drop files on the window. Secrets in them go to the keychain, never into the collection's files.")
                .small()
                .color(palette.muted),
        );
        ui.add_space(4.0);
        let editable = !self.busy() && !matches!(self.stage, ImportStage::Done(_));
        egui::Grid::new("import_form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
            let label = ui.label("Files or folders");
            let before = self.sources.clone();
            ui.add_enabled(
                editable,
                egui::TextEdit::multiline(&mut self.sources)
                    .hint_text("/path/to/openapi.yaml (one per line: a collection and its environment files)")
                    .desired_rows(2)
                    .desired_width(440.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            ui.label("");
            if ui
                .add_enabled(editable && self.browser.is_none(), egui::Button::new("Browse…"))
                .on_hover_text("Choose a file or a folder")
                .clicked()
            {
                let from = self.browse_from.clone();
                let (browser, first) = crate::ui::widgets::file_browser::FileBrowser::new(from, Self::IMPORTABLE);
                self.browser = Some(browser);
                if let crate::ui::widgets::file_browser::Browse::List(dir) = first {
                    commands.push(Command::Import(ImportCommand::List(dir)));
                }
            }
            if before != self.sources && matches!(self.stage, ImportStage::Preview(_) | ImportStage::Failed(_)) {
                self.stage = ImportStage::Choosing;
            }
            ui.end_row();
            let label = ui.label("Name");
            ui.add_enabled(
                editable,
                egui::TextEdit::singleline(&mut self.name).hint_text("the document's own name").desired_width(440.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Write it to");
            let hint = match self.name.trim() {
                "" => format!("a new folder named after the collection, in {}", self.default_dir.display()),
                name => self.target(name).display().to_string(),
            };
            ui.add_enabled(editable, egui::TextEdit::singleline(&mut self.into).hint_text(hint).desired_width(440.0))
                .labelled_by(label.id);
            ui.end_row();
        });
        if editable {
            self.browse_ui(ui, palette, commands);
        }
        ui.add_space(4.0);
        match &self.stage {
            ImportStage::Choosing | ImportStage::Failed(_) => {
                let ok = !self.paths().is_empty();
                if ui.add_enabled(ok, egui::Button::new("Preview the import")).clicked() {
                    commands.push(Command::Import(ImportCommand::Preview));
                }
                if let ImportStage::Failed(why) = &self.stage {
                    ui.label(egui::RichText::new(why).color(palette.error));
                }
            }
            ImportStage::Reading => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Reading…");
                });
            }
            ImportStage::Writing => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Storing the secrets in the keychain and writing the files…");
                });
            }
            ImportStage::Preview(preview) => {
                ui.horizontal(|ui| {
                    if ui.button("Import").clicked() {
                        commands.push(Command::Import(ImportCommand::Apply));
                    }
                    ui.label(
                        egui::RichText::new("Nothing is written before you click Import.").small().color(palette.muted),
                    );
                });
                preview_ui(ui, cx, preview);
            }
            ImportStage::Done(done) => {
                ui.label(
                    egui::RichText::new(format!(
                        "Imported {} into {}. It is open in the sidebar.",
                        plural(done.requests, "request", "requests"),
                        done.collection.display()
                    ))
                    .color(palette.success),
                );
                if !done.profiles.is_empty() {
                    let made: Vec<&str> = done.profiles.iter().filter(|p| p.2).map(|p| p.0.as_str()).collect();
                    if !made.is_empty() {
                        ui.label(format!(
                            "New profiles: {}. Pick one in the profile bar to send with it.",
                            made.join(", ")
                        ));
                    }
                }
            }
        }
    }
}

fn preview_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, preview: &ImportPreview) {
    let palette = cx.theme.palette;
    let plan = &preview.plan;
    ui.separator();
    ui.label(
        egui::RichText::new(format!(
            "{}: \"{}\", {} in {}.",
            crate::core::import::format_words(&plan.format),
            plan.name,
            plural(plan.requests.len(), "request", "requests"),
            plural(plan.folders.len(), "folder", "folders"),
        ))
        .strong(),
    );
    ui.label(
        egui::RichText::new(format!("It will be written to {}", preview.target.display())).small().color(palette.muted),
    );
    egui::ScrollArea::vertical().max_height(320.0).auto_shrink([false, true]).show(ui, |ui| {
        let profiles = preview.profiles();
        if !profiles.is_empty() {
            ui.add_space(4.0);
            ui.label(egui::RichText::new("Profiles").strong());
            for (name, environment, created) in &profiles {
                let words = if *created { "new" } else { "already there: kept as it is, gets only what it lacks" };
                ui.horizontal_wrapped(|ui| {
                    ui.label(egui::RichText::new(name).color(cx.theme.environment_color(environment)));
                    ui.label(
                        egui::RichText::new(format!("{} · {words}", environment.long_label()))
                            .small()
                            .color(palette.muted),
                    );
                });
            }
        }
        let moves = preview.secret_moves();
        if !moves.is_empty() {
            ui.add_space(4.0);
            ui.label(egui::RichText::new(format!("Secrets moved to the keychain ({})", moves.len())).strong());
            for (found_in, profile) in &moves {
                ui.label(egui::RichText::new(format!("{found_in}: kept in the keychain for {profile}")).small());
            }
        }
        if !plan.skipped.is_empty() {
            ui.add_space(4.0);
            ui.label(egui::RichText::new(format!("Left out or changed ({})", plan.skipped.len())).strong());
            // The same reason for many items (scripts not run, say) is one line that opens.
            let mut by_why: Vec<(&str, Vec<&str>)> = Vec::new();
            for skipped in &plan.skipped {
                match by_why.iter_mut().find(|(why, _)| *why == skipped.why.as_str()) {
                    Some((_, items)) => items.push(&skipped.item),
                    None => by_why.push((&skipped.why, vec![&skipped.item])),
                }
            }
            for (why, items) in by_why {
                if let [item] = items.as_slice() {
                    ui.label(egui::RichText::new(format!("{item}: {why}")).small().color(palette.warning));
                    continue;
                }
                egui::CollapsingHeader::new(
                    egui::RichText::new(format!("{why} ({})", items.len())).small().color(palette.warning),
                )
                .id_salt(("skipped", why))
                .show(ui, |ui| {
                    for item in items {
                        ui.label(egui::RichText::new(item).small());
                    }
                });
            }
        }
    });
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}
