//! The app's side of collections and tabs: reading the open collections, opening a saved request
//! in a tab, saving, renaming, moving, duplicating, deleting (with undo), as tasks on worker
//! threads; each reply goes back to the sidebar and to the tabs it concerns.

use super::GatepassApp;
use crate::core::collection::{RequestPath, SavedRequest};
use crate::core::request::RequestDraft;
use crate::ui::command::{CollectionCommand, Command, LoadedCollection, SaveTarget, TabCommand, TabId};
use crate::ui::panels::collections_ui::{Deleted, SaveDialog};
use crate::ui::panels::request_tab::{RequestTab, SavedAt};
use crate::ui::tasks::{CollectionChange, CollectionEvent, Event};
use crate::workspace::{Workspace, WorkspaceError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every open collection, read from disk (on a worker thread).
pub(super) fn load_all(ws: &Workspace) -> Vec<LoadedCollection> {
    ws.collection_paths()
        .into_iter()
        .map(|path| {
            let collection = ws.load_collection(&path).map(Arc::new).map_err(|e| e.to_string());
            let name = match &collection {
                Ok(c) => c.meta.name.clone(),
                Err(_) => {
                    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
                }
            };
            LoadedCollection { path, name, collection }
        })
        .collect()
}

/// Where a request saved at `path` in the collection at `dir` is, with what the tab needs.
fn saved_at(ws: &Workspace, dir: &Path, path: &RequestPath) -> Result<SavedAt, WorkspaceError> {
    let collection = ws.load_collection(dir)?;
    let entry = collection
        .request(path)
        .ok_or_else(|| WorkspaceError::Other(format!("The request {path} is not in this collection any more.")))?;
    Ok(SavedAt {
        collection: dir.to_path_buf(),
        collection_name: collection.meta.name.clone(),
        path: path.clone(),
        request: entry.request.clone(),
        variables: collection.meta.variables.clone(),
        changed_on_disk: None,
    })
}

/// The first read: the collections and the tabs to restore.
pub(super) fn start(app: &GatepassApp) {
    let Ok(ws) = app.workspace.clone() else { return };
    app.tasks.spawn_blocking(move || {
        let (tabs, active) = ws.open_tabs();
        Event::Collections(CollectionEvent::Started { collections: load_all(&ws), tabs, active })
    });
}

/// Remember the saved requests open in tabs when they changed (after the restore at start).
pub(super) fn remember_tabs(app: &mut GatepassApp) {
    if !app.tabs_restored {
        return;
    }
    let open: Vec<(PathBuf, RequestPath)> =
        app.tabs.iter().filter_map(|t| t.saved.as_ref().map(|s| (s.collection.clone(), s.path.clone()))).collect();
    let active = app.tabs[..=app.active_tab.min(app.tabs.len() - 1)]
        .iter()
        .filter(|t| t.saved.is_some())
        .count()
        .saturating_sub(1);
    let now = (open, active);
    if app.remembered_tabs.as_ref() == Some(&now) {
        return;
    }
    app.remembered_tabs = Some(now.clone());
    let Ok(ws) = app.workspace.clone() else { return };
    app.tasks.spawn_blocking(move || {
        if let Err(error) = ws.remember_tabs(&now.0, now.1) {
            tracing::warn!(%error, "the open tabs could not be remembered");
        }
        Event::Collections(CollectionEvent::Remembered)
    });
}

pub(super) fn reload(app: &mut GatepassApp) {
    let Ok(ws) = app.workspace.clone() else { return };
    app.readings += 1;
    let reading = app.readings;
    app.tasks
        .spawn_blocking(move || Event::Collections(CollectionEvent::Loaded { reading, collections: load_all(&ws) }));
}

/// Run `change` on a worker, then read the collections again, and report both.
fn change(
    app: &mut GatepassApp,
    work: impl FnOnce(&Workspace) -> Result<CollectionChange, WorkspaceError> + Send + 'static,
) {
    let Ok(ws) = app.workspace.clone() else { return };
    app.readings += 1;
    let reading = app.readings;
    app.tasks.spawn_blocking(move || {
        let result = work(&ws).map(Box::new).map_err(|e| e.to_string());
        Event::Collections(CollectionEvent::Changed { result, reading, collections: load_all(&ws) })
    });
}

/// Show a reading of the collections unless a newer one is shown already (a reading asked for
/// before a save can finish after it, and must not bring back what the save replaced).
fn show_reading(app: &mut GatepassApp, reading: u64, collections: Vec<LoadedCollection>) -> bool {
    if reading < app.reading_shown {
        return false;
    }
    app.reading_shown = reading;
    let view = &mut app.sidebar.collections;
    view.loaded = collections;
    view.read_once = true;
    true
}

fn name_of(path: &RequestPath) -> String {
    path.stem().to_owned()
}

pub(super) fn apply(app: &mut GatepassApp, command: CollectionCommand) {
    match command {
        CollectionCommand::Reload => reload(app),
        CollectionCommand::OpenRequest { dir, path } => open_request(app, &dir, &path),
        CollectionCommand::Save(id) => {
            let Some(i) = app.tab_index(id) else { return };
            let tab = &app.tabs[i];
            match &tab.saved {
                Some(saved) => {
                    // What the file says besides the request itself (name, scopes, notes) is
                    // kept: as the file holds it now when someone changed it meanwhile.
                    let file = saved.changed_on_disk.as_deref().unwrap_or(&saved.request);
                    let request = SavedRequest { draft: tab.draft.clone(), ..file.clone() };
                    let (dir, path) = (saved.collection.clone(), saved.path.clone());
                    change(app, move |ws| {
                        let new = ws.save_request(&dir, Some(&path), path.folder(), &request)?;
                        Ok(CollectionChange::Saved { tab: id, saved: saved_at(ws, &dir, &new)? })
                    });
                }
                None => app.save_dialog = Some(SaveDialog::new(tab, &app.sidebar.collections)),
            }
        }
        CollectionCommand::SaveAs { tab, target, folder, name } => {
            let Some(i) = app.tab_index(tab) else { return };
            // Saved under another name, a saved request keeps what the API needs for it.
            let before = app.tabs[i].saved.as_ref().map(|s| &s.request);
            let request = SavedRequest {
                name,
                draft: app.tabs[i].draft.clone(),
                required_scopes: before.map(|r| r.required_scopes.clone()).unwrap_or_default(),
                alternatives: before.map(|r| r.alternatives.clone()).unwrap_or_default(),
                expect: before.map(|r| r.expect).unwrap_or_default(),
                notes: before.map(|r| r.notes.clone()).unwrap_or_default(),
            };
            change(app, move |ws| {
                let dir = match target {
                    SaveTarget::Existing(dir) => dir,
                    SaveTarget::New { dir, name } => {
                        let dir = PathBuf::from(dir);
                        ws.create_collection(&dir, &name)?;
                        std::path::absolute(&dir).unwrap_or(dir)
                    }
                };
                let path = ws.save_request(&dir, None, &folder, &request)?;
                Ok(CollectionChange::Saved { tab, saved: saved_at(ws, &dir, &path)? })
            });
        }
        CollectionCommand::Open(dir) => change(app, move |ws| {
            let c = ws.add_collection(Path::new(&dir))?;
            Ok(CollectionChange::Said(format!("Opened \"{}\" ({} requests).", c.meta.name, c.requests.len())))
        }),
        CollectionCommand::Create { dir, name } => change(app, move |ws| {
            ws.create_collection(Path::new(&dir), &name)?;
            Ok(CollectionChange::Said(format!("Made the collection \"{name}\" in {dir}.")))
        }),
        CollectionCommand::Close(dir) => change(app, move |ws| {
            ws.close_collection(&dir)?;
            Ok(CollectionChange::Said(format!(
                "Closed. Its files are still in {}; Open folder… brings it back.",
                dir.display()
            )))
        }),
        CollectionCommand::Rename { dir, path, name } => change(app, move |ws| {
            let new = ws.rename_request(&dir, &path, &name)?;
            Ok(CollectionChange::Moved { dir, old: path, new, name })
        }),
        CollectionCommand::Move { dir, path, folder } => change(app, move |ws| {
            let name =
                ws.load_collection(&dir)?.request(&path).map_or_else(|| name_of(&path), |e| e.request.name.clone());
            let new = ws.move_request(&dir, &path, &folder)?;
            Ok(CollectionChange::Moved { dir, old: path, new, name })
        }),
        CollectionCommand::Duplicate { dir, path } => change(app, move |ws| {
            let copy = ws.duplicate_request(&dir, &path)?;
            let name =
                ws.load_collection(&dir)?.request(&copy).map_or_else(|| name_of(&copy), |e| e.request.name.clone());
            Ok(CollectionChange::Said(format!("Made a copy: \"{name}\".")))
        }),
        CollectionCommand::Delete { dir, path } => change(app, move |ws| {
            let request = ws.delete_request(&dir, &path)?;
            Ok(CollectionChange::Deleted { dir, path, request })
        }),
        CollectionCommand::UndoDelete => {
            let Some(Deleted { dir, path, request }) = app.sidebar.collections.deleted.take() else { return };
            change(app, move |ws| {
                ws.save_request(&dir, None, path.folder(), &request)?;
                Ok(CollectionChange::Said(format!("\"{}\" is back.", request.name)))
            });
        }
        CollectionCommand::Export { dir, format, profile, file } => change(app, move |ws| {
            let exported = ws.write_export(&dir, format, profile.as_ref(), &file)?;
            let mut said =
                format!("Wrote {} requests as {} to {}.", exported.requests, format.describe(), file.display());
            for line in &exported.left_out {
                said.push(' ');
                said.push_str(line);
            }
            Ok(CollectionChange::Said(said))
        }),
        CollectionCommand::OpenRun { dir, folder } => app.open_run(dir, folder),
        CollectionCommand::StartRun => super::run::start(app),
        CollectionCommand::StopRun => super::run::stop(app),
        CollectionCommand::OpenRunCell { request, profile } => super::run::open_cell(app, &request, &profile),
        CollectionCommand::RerunCell { request, profile } => super::run::rerun_cell(app, &request, &profile),
        CollectionCommand::OpenImport(path) => app.open_import(path.as_deref()),
    }
}

/// Show a saved request: the tab already on it, the active tab when it holds nothing yet, or a
/// new tab.
pub(super) fn open_request(app: &mut GatepassApp, dir: &Path, path: &RequestPath) {
    if let Some(i) =
        app.tabs.iter().position(|t| t.saved.as_ref().is_some_and(|s| s.collection == dir && &s.path == path))
    {
        app.active_tab = i;
        return;
    }
    let Some(collection) = app.sidebar.collections.collection(dir) else { return };
    let Some(entry) = collection.request(path) else { return };
    let saved = SavedAt {
        collection: dir.to_path_buf(),
        collection_name: collection.meta.name.clone(),
        path: path.clone(),
        request: entry.request.clone(),
        variables: collection.meta.variables.clone(),
        changed_on_disk: None,
    };
    let id = app.new_tab_id();
    let tab = RequestTab::on_saved(id, saved);
    let active = &app.tabs[app.active_tab];
    if active.saved.is_none() && !active.is_modified() && active.answer.is_none() && !active.is_sending() {
        app.tabs[app.active_tab] = tab;
    } else {
        app.tabs.push(tab);
        app.active_tab = app.tabs.len() - 1;
    }
}

/// The collections were read again: tabs on saved requests follow their files (see
/// `RequestTab::file_read_again`), and the watcher follows the open collections.
fn files_read_again(app: &mut GatepassApp) {
    let view = &app.sidebar.collections;
    for tab in &mut app.tabs {
        let Some(saved) = tab.saved.as_mut() else { continue };
        let Some(collection) = view.collection(&saved.collection) else { continue };
        saved.variables.clone_from(&collection.meta.variables);
        if let Some(entry) = collection.request(&saved.path) {
            let now = entry.request.clone();
            tab.file_read_again(&now);
        }
    }
    let folders: Vec<PathBuf> = view.loaded.iter().map(|c| c.path.clone()).collect();
    // If the OS cannot watch them, the collections are still read again whenever the window
    // gets the focus back.
    let watcher = app.watcher.get_or_insert_with(|| {
        let report = app.tasks.reporter();
        crate::infra::watch::FolderWatcher::new(move |_| report(Event::Collections(CollectionEvent::ChangedOnDisk)))
    });
    watcher.watch_only(&folders);
}

pub(super) fn on_event(app: &mut GatepassApp, event: CollectionEvent) {
    match event {
        CollectionEvent::Loaded { reading, collections } => {
            if show_reading(app, reading, collections) {
                files_read_again(app);
            }
        }
        CollectionEvent::ChangedOnDisk => reload(app),
        CollectionEvent::Remembered => {}
        CollectionEvent::Started { collections, tabs, active } => {
            let view = &mut app.sidebar.collections;
            view.loaded = collections;
            view.read_once = true;
            for (dir, path) in &tabs {
                if app.tabs.iter().any(|t| t.saved.as_ref().is_some_and(|s| &s.collection == dir && &s.path == path)) {
                    continue;
                }
                // A request that is gone (renamed by git, say) is simply not reopened.
                if app.sidebar.collections.collection(dir).and_then(|c| c.request(path)).is_some() {
                    open_request(app, dir, path);
                    let last = app.tabs.len() - 1;
                    app.active_tab = last;
                }
            }
            let saved: Vec<usize> =
                app.tabs.iter().enumerate().filter(|(_, t)| t.saved.is_some()).map(|(i, _)| i).collect();
            if let Some(&i) = saved.get(active).or(saved.last()) {
                app.active_tab = i;
            }
            app.tabs_restored = true;
            files_read_again(app);
        }
        CollectionEvent::Changed { result, reading, collections } => {
            show_reading(app, reading, collections);
            let view = &mut app.sidebar.collections;
            if !matches!(result.as_deref(), Ok(CollectionChange::Deleted { .. })) {
                view.deleted = None;
            }
            match result.map(|b| *b) {
                Ok(CollectionChange::Saved { tab, saved }) => {
                    view.status =
                        Some((format!("Saved \"{}\" in {}.", saved.request.name, saved.collection_name), false));
                    if let Some(i) = app.tab_index(tab) {
                        app.tabs[i].saved_as(saved);
                    }
                }
                Ok(CollectionChange::Deleted { dir, path, request }) => {
                    view.status = Some((format!("Deleted \"{}\".", request.name), false));
                    for tab in &mut app.tabs {
                        if tab.saved.as_ref().is_some_and(|s| s.collection == dir && s.path == path) {
                            // The tab keeps its draft, now unsaved.
                            tab.saved = None;
                            tab.baseline = RequestDraft::get("");
                        }
                    }
                    view.deleted = Some(Deleted { dir, path, request });
                }
                Ok(CollectionChange::Moved { dir, old, new, name }) => {
                    view.status = Some((format!("\"{name}\" is now {new}."), false));
                    for tab in &mut app.tabs {
                        if let Some(saved) = tab.saved.as_mut()
                            && saved.collection == dir
                            && saved.path == old
                        {
                            saved.path = new.clone();
                            saved.request.name.clone_from(&name);
                        }
                    }
                }
                Ok(CollectionChange::Said(words)) => view.status = Some((words, false)),
                Err(why) => view.status = Some((why, true)),
            }
            files_read_again(app);
        }
    }
}

/// The tab strip's and the keyboard's tab commands.
pub(super) fn apply_tab(app: &mut GatepassApp, command: TabCommand) {
    match command {
        TabCommand::New => {
            let id = app.new_tab_id();
            app.tabs.push(RequestTab::new(id, RequestDraft::get("")));
            app.active_tab = app.tabs.len() - 1;
        }
        TabCommand::Select(id) => {
            if let Some(i) = app.tab_index(id) {
                app.active_tab = i;
            }
        }
        TabCommand::Next => app.active_tab = (app.active_tab + 1) % app.tabs.len(),
        TabCommand::Close(id) => {
            let Some(i) = app.tab_index(id) else { return };
            if app.tabs[i].is_modified() {
                app.active_tab = i;
                app.tab_strip.closing = Some(id);
            } else {
                close_tab(app, id);
            }
        }
        TabCommand::Discard(id) => close_tab(app, id),
    }
}

fn close_tab(app: &mut GatepassApp, id: TabId) {
    let Some(i) = app.tab_index(id) else { return };
    app.tabs[i].cancel();
    app.tabs.remove(i);
    if app.tabs.is_empty() {
        let id = app.new_tab_id();
        app.tabs.push(RequestTab::new(id, RequestDraft::get("")));
    }
    if app.active_tab >= app.tabs.len() || app.active_tab > i {
        app.active_tab = app.active_tab.saturating_sub(1).min(app.tabs.len() - 1);
    }
}

/// The draft a tab sends: its collection's variables filled in (a profile's own win).
pub(super) fn draft_to_send(
    tab: &RequestTab,
    profile: Option<&crate::core::profile::Profile>,
) -> (RequestDraft, Vec<String>) {
    match (&tab.saved, profile) {
        (Some(saved), Some(profile)) => (
            crate::core::collection::apply_variables(&tab.draft, &saved.variables, &profile.variables),
            saved.request.scopes_for(profile).scopes,
        ),
        _ => (tab.draft.clone(), Vec::new()),
    }
}

/// Ctrl+T new tab, Ctrl+W close, Ctrl+Tab next.
pub(super) fn shortcuts(ctx: &egui::Context, active: TabId) -> Option<Command> {
    ctx.input_mut(|i| {
        if i.consume_key(egui::Modifiers::COMMAND, egui::Key::T) {
            Some(Command::Tabs(TabCommand::New))
        } else if i.consume_key(egui::Modifiers::COMMAND, egui::Key::W) {
            Some(Command::Tabs(TabCommand::Close(active)))
        } else if i.consume_key(egui::Modifiers::COMMAND, egui::Key::Tab) {
            Some(Command::Tabs(TabCommand::Next))
        } else {
            None
        }
    })
}

pub(super) fn default_collections_dir(ws: &Result<Arc<Workspace>, String>) -> PathBuf {
    directories::UserDirs::new()
        .map(|u| u.home_dir().join("Gatepass"))
        .or_else(|| ws.as_ref().ok().map(|w| w.practice_collection_dir().with_file_name("")))
        .unwrap_or_else(|| PathBuf::from("Gatepass"))
}
