//! UI tests for the response body viewer: only visible rows become widgets, scrolling brings
//! far lines in, and the summary says what a body is. Run headless through `egui_kittest`.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::core::body::{FormattedBody, ViewMode, prepare};
use gatepass::ui::widgets::body_view::{BodyColors, BodyView, body_view_ui};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn colors() -> BodyColors {
    BodyColors {
        key: egui::Color32::LIGHT_BLUE,
        string: egui::Color32::LIGHT_GREEN,
        number: egui::Color32::GOLD,
        literal: egui::Color32::LIGHT_RED,
        punctuation: egui::Color32::GRAY,
        text: egui::Color32::WHITE,
        muted: egui::Color32::DARK_GRAY,
        highlight: egui::Color32::DARK_BLUE,
        current: egui::Color32::BROWN,
    }
}

fn numbered_text(lines: usize) -> Arc<FormattedBody> {
    let mut text = String::new();
    for i in 1..=lines {
        writeln!(text, "row {i:06} payload").unwrap();
    }
    Arc::new(prepare(Some("text/plain"), text.as_bytes(), ViewMode::Raw))
}

fn harness_for(body: &Arc<FormattedBody>) -> Harness<'static> {
    let body = Arc::clone(body);
    let colors = colors();
    Harness::builder().with_size(egui::vec2(900.0, 600.0)).build_ui(move |ui| body_view_ui(ui, &body, &colors))
}

fn scroll_down_pages(harness: &mut Harness<'_>, pages: f32) {
    harness.hover_at(egui::pos2(450.0, 300.0));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Page,
        delta: egui::vec2(0.0, -pages),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
        modifiers: egui::Modifiers::NONE,
    });
    // The scroll is animated over a few frames.
    harness.run_steps(30);
}

#[test]
fn only_visible_rows_of_a_long_body_are_laid_out() {
    let body = numbered_text(100_000);
    assert_eq!(body.line_count(), 100_000);
    let mut harness = harness_for(&body);
    harness.run();

    assert!(harness.query_by_label_contains("row 000001 payload").is_some());
    assert!(harness.query_by_label_contains("row 000020 payload").is_some());
    assert!(harness.query_by_label_contains("row 090000").is_none());
    let laid_out = harness.query_all_by_label_contains("payload").count();
    assert!((20..200).contains(&laid_out), "{laid_out} rows were laid out");
    // Rows sit exactly one row height apart, which is what `show_rows` assumes when scrolling.
    let top = |label: &str| harness.get_by_label(label).rect().min.y;
    let step = top("row 000002 payload") - top("row 000001 payload");
    let font_id = egui::TextStyle::Monospace.resolve(&egui::Style::default());
    let row_height = harness.ctx.fonts_mut(|fonts| fonts.row_height(&font_id));
    assert!((step - row_height).abs() < 0.01, "rows {step} apart, row height {row_height}");
    assert!((top("row 000021 payload") - top("row 000001 payload") - 20.0 * step).abs() < 0.01);

    // Far down, the top is gone and the rows there are drawn instead.
    scroll_down_pages(&mut harness, 1_000_000.0);
    assert!(harness.query_by_label_contains("row 100000 payload").is_some());
    assert!(harness.query_by_label_contains("row 000001 payload").is_none());
    assert!(harness.query_all_by_label_contains("payload").count() < 200);
}

#[test]
fn json_is_shown_pretty_with_line_numbers() {
    let body = Arc::new(prepare(None, br#"{"name":"Ada","tags":["x"],"ok":true}"#, ViewMode::Pretty));
    let mut harness = harness_for(&body);
    harness.run();
    assert!(harness.query_by_label("  \"name\": \"Ada\",").is_some());
    assert!(harness.query_by_label("  \"ok\": true").is_some());
    assert!(harness.query_by_label("7").is_some(), "the gutter numbers the last line");
}

#[test]
fn invalid_json_shows_raw_text_and_where_it_broke() {
    let body = Arc::new(prepare(Some("application/json"), b"{\"a\":\n oops}", ViewMode::Pretty));
    let mut harness = harness_for(&body);
    harness.run();
    assert!(harness.query_by_label_contains("Unexpected character at line 2, column 2").is_some());
    assert!(harness.query_by_label(" oops}").is_some());
}

#[test]
fn binary_body_shows_its_summary_and_a_hex_dump() {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(100_000, 0xAB);
    let view = BodyView::new(Arc::new(prepare(Some("image/png"), &bytes, ViewMode::Pretty)));
    let colors = colors();
    let mut harness = Harness::builder().with_size(egui::vec2(900.0, 600.0)).build_ui(move |ui| view.ui(ui, &colors));
    harness.run();
    assert!(
        harness.query_by_label("Binary · 97.7 KB (image/png) · showing the first 64 KB as hex").is_some(),
        "summary"
    );
    assert!(harness.query_by_label_contains("00000000  89 50 4e 47 0d 0a 1a 0a").is_some());
    assert!(harness.query_by_label("1").is_none(), "offsets, not line numbers, lead hex lines");
}

/// Frame times for a large body, measured through the headless harness (layout and
/// tessellation, no GPU): `cargo test --release --test ui_body_view -- --ignored --nocapture`.
#[test]
#[ignore = "measurement"]
fn measure_frames_on_a_large_body() {
    let mut doc = String::from("[");
    let mut i = 0;
    while doc.len() < 50 * 1024 * 1024 {
        if i > 0 {
            doc.push(',');
        }
        write!(doc, r#"{{"id":{i},"name":"user {i}","tags":["a","b"],"active":true,"score":{i}.5}}"#).unwrap();
        i += 1;
    }
    doc.push(']');
    for mode in [ViewMode::Pretty, ViewMode::Raw] {
        let started = Instant::now();
        let body = Arc::new(prepare(Some("application/json"), doc.as_bytes(), mode));
        let prepared = started.elapsed();
        let mut harness = harness_for(&body);
        harness.run();
        let mut worst = Duration::ZERO;
        let mut total = Duration::ZERO;
        let frames = 60;
        for _ in 0..frames {
            harness.hover_at(egui::pos2(450.0, 300.0));
            harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Page,
                delta: egui::vec2(0.0, -1_000.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: egui::Modifiers::NONE,
            });
            let started = Instant::now();
            harness.step();
            let frame = started.elapsed();
            worst = worst.max(frame);
            total += frame;
        }
        println!(
            "{mode:?}: {} MB, {} display lines, prepare {prepared:?}; {frames} scrolling frames: mean {:?}, worst {worst:?}",
            doc.len() / (1024 * 1024),
            body.line_count(),
            total / frames,
        );
    }
}
