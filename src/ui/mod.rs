//! Everything egui/eframe.

pub mod widgets;
