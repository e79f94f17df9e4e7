//! The app's side of the import window: reading and planning on a worker, then (when the person
//! clicks Import) storing the secrets and writing the files; the new collection and profiles are
//! read again so the sidebar and the profile bar show them.

use super::GatepassApp;
use crate::ui::command::ImportCommand;
use crate::ui::panels::import_ui::{ImportStage, ImportView};
use crate::ui::tasks::Event;

/// Open the window (or add a dropped file to the one open).
pub(super) fn open(app: &mut GatepassApp, path: Option<&str>) {
    match (&mut app.import, path) {
        (Some(view), Some(path)) if !matches!(view.stage, ImportStage::Reading | ImportStage::Writing) => {
            if !view.sources.trim().is_empty() {
                view.sources.push('\n');
            }
            view.sources.push_str(path);
            view.stage = ImportStage::Choosing;
        }
        (Some(_), _) => {}
        (None, path) => {
            let default_dir = app.sidebar.collections.default_dir.clone();
            let browse_from = app.home_dir.clone().unwrap_or_else(|| default_dir.clone());
            app.import = Some(ImportView::new(path, default_dir, browse_from));
        }
    }
}

pub(super) fn apply(app: &mut GatepassApp, command: ImportCommand) {
    let Ok(ws) = app.workspace.clone() else { return };
    let Some(view) = app.import.as_mut() else { return };
    match command {
        ImportCommand::Preview => {
            let paths = view.paths();
            let into = Some(view.into.trim()).filter(|s| !s.is_empty()).map(std::path::PathBuf::from);
            let parent = view.default_dir.clone();
            let name = Some(view.name.trim().to_owned()).filter(|s| !s.is_empty());
            view.stage = ImportStage::Reading;
            app.tasks.spawn_blocking(move || {
                let previewed = ws.preview_import_where(&paths, into.as_deref(), &parent, name.as_deref());
                Event::ImportPreviewed(previewed.map(Box::new).map_err(|e| e.to_string()))
            });
        }
        ImportCommand::Apply => {
            let ImportStage::Preview(preview) = std::mem::replace(&mut view.stage, ImportStage::Writing) else {
                return;
            };
            app.tasks.spawn_blocking(move || Event::Imported(ws.apply_import(*preview).map_err(|e| e.to_string())));
        }
        ImportCommand::List(dir) => {
            app.tasks.spawn_blocking(move || {
                let listed = crate::infra::read::list_folder(&dir);
                Event::ImportListed(dir, listed)
            });
        }
    }
}

/// The chooser's folder was read.
pub(super) fn listed(
    app: &mut GatepassApp,
    dir: &std::path::Path,
    result: Result<crate::infra::read::Listing, String>,
) {
    if let Some(browser) = app.import.as_mut().and_then(|v| v.browser.as_mut()) {
        browser.listed(dir, result);
    }
}

pub(super) fn previewed(app: &mut GatepassApp, result: Result<Box<crate::workspace::import::ImportPreview>, String>) {
    let Some(view) = app.import.as_mut() else { return };
    if !matches!(view.stage, ImportStage::Reading) {
        return;
    }
    view.stage = match result {
        Ok(preview) => ImportStage::Preview(preview),
        Err(why) => ImportStage::Failed(why),
    };
}

pub(super) fn imported(app: &mut GatepassApp, result: Result<crate::workspace::import::ImportDone, String>) {
    if let Some(view) = app.import.as_mut() {
        view.stage = match result {
            Ok(done) => ImportStage::Done(done),
            Err(why) => ImportStage::Failed(why),
        };
    }
    app.reload_profiles();
    super::collections::reload(app);
}

/// Files dropped on the window go to the import window.
pub(super) fn dropped(app: &mut GatepassApp, ctx: &egui::Context) {
    let dropped: Vec<String> =
        ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().display().to_string()).collect());
    for path in dropped {
        open(app, Some(&path));
    }
}
