//! The window's views. Each owns its state and draws itself with a read-only
//! [`crate::ui::view::ViewCx`], returning [`crate::ui::command::Command`]s; none does I/O or
//! spawns work, and none knows the app.

pub mod banners_ui;
pub mod check_ui;
pub mod collections_ui;
pub mod confirm_ui;
pub mod curl_ui;
pub mod explain_ui;
pub mod import_ui;
pub mod profile_bar_ui;
pub mod profiles_ui;
pub mod request_tab;
pub mod request_ui;
pub mod response_ui;
pub mod run_ui;
pub mod sidebar_ui;
pub mod token_ui;
