//! The response body viewer: a virtualised, highlighted, line-numbered view of a `FormattedBody`.
//!
//! The formatting work is done before this is called (on a worker thread, in `core::body`); this
//! only lays out the rows that are on screen, so a frame costs the same for a 5 KB body and a
//! 50 MB one. Colours come in through `BodyColors` so the viewer follows the app's theme.

use crate::core::body::{BodyKind, FormattedBody, HEX_DUMP_LIMIT, TokenClass, ViewMode};
use egui::text::{LayoutJob, TextFormat};
use std::sync::Arc;

/// Theme colours for the body, one per token class; the caller builds it from its palette.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyColors {
    pub key: egui::Color32,
    pub string: egui::Color32,
    pub number: egui::Color32,
    /// `true`, `false` and `null`.
    pub literal: egui::Color32,
    pub punctuation: egui::Color32,
    /// Raw text, hex dumps and anything that is not a JSON token.
    pub text: egui::Color32,
    /// Line numbers and notes.
    pub muted: egui::Color32,
    /// Behind text a search found, and behind the match in view.
    pub highlight: egui::Color32,
    pub current: egui::Color32,
}

/// What to mark and where to go: search matches (sorted by line), the current one, a line to
/// bring into view once, and an id so each answer gets its own scroll position.
pub struct BodyViewOptions<'a, S: std::hash::Hash + std::fmt::Debug> {
    pub id_salt: S,
    pub matches: &'a [crate::ui::tasks::BodyMatch],
    pub current: Option<crate::ui::tasks::BodyMatch>,
    pub scroll_to_line: Option<usize>,
}

impl BodyColors {
    fn for_class(&self, class: TokenClass) -> egui::Color32 {
        match class {
            TokenClass::Key => self.key,
            TokenClass::String => self.string,
            TokenClass::Number => self.number,
            TokenClass::Literal => self.literal,
            TokenClass::Punctuation => self.punctuation,
            TokenClass::Plain => self.text,
        }
    }
}

/// A formatted body held for display; cheap to clone, so the app can keep it across frames while
/// a worker formats the other view mode.
#[derive(Debug, Clone)]
pub struct BodyView {
    body: Arc<FormattedBody>,
}

impl BodyView {
    pub fn new(body: Arc<FormattedBody>) -> Self {
        Self { body }
    }

    pub fn body(&self) -> &Arc<FormattedBody> {
        &self.body
    }

    pub fn mode(&self) -> ViewMode {
        self.body.mode()
    }

    /// Draws the summary line and the body.
    pub fn ui(&self, ui: &mut egui::Ui, colors: &BodyColors) {
        ui.label(egui::RichText::new(body_summary(&self.body)).small().color(colors.muted));
        body_view_ui(ui, &self.body, colors);
    }
}

/// Draws the body in a scroll area filling the space left. Only the visible rows are laid out
/// (`show_rows`), each as one selectable label so text can be selected and copied across lines.
pub fn body_view_ui(ui: &mut egui::Ui, body: &FormattedBody, colors: &BodyColors) {
    let options = BodyViewOptions { id_salt: "body_view", matches: &[], current: None, scroll_to_line: None };
    body_view_with_ui(ui, body, colors, &options);
}

/// [`body_view_ui`] with search matches marked and a line brought into view.
pub fn body_view_with_ui<S: std::hash::Hash + std::fmt::Debug>(
    ui: &mut egui::Ui,
    body: &FormattedBody,
    colors: &BodyColors,
    options: &BodyViewOptions<'_, S>,
) {
    if let Some(error) = body.json_error() {
        ui.label(egui::RichText::new(format!("Not valid JSON: {error}. Showing the raw text.")).color(colors.muted));
    }
    if body.line_count() == 0 {
        ui.label(egui::RichText::new("The body is empty.").color(colors.muted));
        return;
    }
    let font_id = egui::TextStyle::Monospace.resolve(ui.style());
    let (row_height, char_width) =
        ui.ctx().fonts_mut(|fonts| (fonts.row_height(&font_id), fonts.glyph_width(&font_id, '0')));
    // A hex dump starts each line with its offset; line numbers beside it would be noise.
    let gutter_digits = if body.kind() == BodyKind::Binary { 0 } else { digits(body.source_line_count()) };
    #[expect(clippy::cast_precision_loss, reason = "a width in points; precision beyond pixels is moot")]
    let content_width = (gutter_digits + 2 + body.max_line_bytes()) as f32 * char_width;

    ui.scope(|ui| {
        // `show_rows` places rows at multiples of the row height plus this spacing; with none, the
        // gutter and the text rows line up exactly and the scroll height is exact.
        ui.spacing_mut().item_spacing.y = 0.0;
        // `horizontal` rows are at least `interact_size.y` tall; rows must be exactly the height
        // given to `show_rows` or lines drift away from where the scroll position puts them.
        ui.spacing_mut().interact_size.y = row_height;
        let mut area = egui::ScrollArea::both().id_salt(&options.id_salt).auto_shrink([false, false]);
        if let Some(line) = options.scroll_to_line {
            // A few lines above the match, so it is not glued to the top edge.
            #[allow(clippy::cast_precision_loss, reason = "a scroll offset in points")]
            let y = line.saturating_sub(3) as f32 * row_height;
            area = area.vertical_scroll_offset(y);
        }
        area.show_rows(ui, row_height, body.line_count(), |ui, rows| {
            ui.set_min_width(content_width);
            for i in rows {
                ui.horizontal(|ui| {
                    if gutter_digits == 0 {
                        ui.add(egui::Label::new(line_job(body, i, &font_id, colors, options)).extend());
                        return;
                    }
                    let number = body.line_number(i).map_or_else(String::new, |n| n.to_string());
                    let gutter = egui::RichText::new(format!("{number:>gutter_digits$}"))
                        .font(font_id.clone())
                        .color(colors.muted);
                    ui.add(egui::Label::new(gutter).selectable(false));
                    ui.add(egui::Label::new(line_job(body, i, &font_id, colors, options)).extend());
                });
            }
        });
    });
}

fn line_job<S: std::hash::Hash + std::fmt::Debug>(
    body: &FormattedBody,
    i: usize,
    font_id: &egui::FontId,
    colors: &BodyColors,
    options: &BodyViewOptions<'_, S>,
) -> LayoutJob {
    let line = body.line(i);
    let mut job = LayoutJob::default();
    // The matches on this line, from the sorted list.
    let first = options.matches.partition_point(|m| m.line < i);
    let here: Vec<_> = options.matches[first..].iter().take_while(|m| m.line == i).copied().collect();
    for span in body.line_spans(i) {
        let mut at = span.range.start;
        let end = span.range.end;
        while at < end {
            // The next boundary: a match starting or ending inside this span.
            let mut next = end;
            let mut background = egui::Color32::TRANSPARENT;
            for m in &here {
                if m.start <= at && at < m.end {
                    next = next.min(m.end);
                    background = if Some(*m) == options.current { colors.current } else { colors.highlight };
                } else if m.start > at {
                    next = next.min(m.start);
                }
            }
            let next = if line.is_char_boundary(next) { next } else { end };
            let mut format = TextFormat::simple(font_id.clone(), colors.for_class(span.class));
            format.background = background;
            job.append(&line[at..next], 0.0, format);
            at = next;
        }
    }
    job
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

/// One line saying what the body is, for above the viewer: "JSON · 1,204 lines".
pub fn body_summary(body: &FormattedBody) -> String {
    let lines = body.source_line_count();
    let lines_words = format!("{} line{}", thousands(lines), if lines == 1 { "" } else { "s" });
    let content_type = body.content_type().map(|ct| format!(" ({ct})")).unwrap_or_default();
    match body.kind() {
        BodyKind::Empty => "Empty body".to_owned(),
        BodyKind::Binary => {
            let shown = if body.is_hex_truncated() {
                format!("showing the first {} as hex", size_words(HEX_DUMP_LIMIT))
            } else {
                "shown as hex".to_owned()
            };
            format!("Binary · {}{content_type} · {shown}", size_words(body.original_len()))
        }
        BodyKind::Json => {
            if body.json_error().is_some() {
                format!("JSON{content_type}, not valid · raw text · {lines_words}{}", lossy_words(body))
            } else if body.mode() == ViewMode::Raw {
                format!("JSON · raw · {lines_words} · {}", size_words(body.original_len()))
            } else {
                format!("JSON · {lines_words} · {}", size_words(body.original_len()))
            }
        }
        BodyKind::Text => format!("Text · {lines_words} · {}{}", size_words(body.original_len()), lossy_words(body)),
    }
}

fn lossy_words(body: &FormattedBody) -> &'static str {
    if body.is_lossy() { " · not valid UTF-8, bad bytes shown as \u{FFFD}" } else { "" }
}

use crate::core::exchange::size_words;

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;
    use crate::core::exchange::size_words;

    #[test]
    fn body_words() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size_words(512), "512 B");
        assert_eq!(size_words(64 * 1024), "64 KB");
        assert_eq!(size_words(2_411_724), "2.3 MB");
    }
}
