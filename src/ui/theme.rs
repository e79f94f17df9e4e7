//! Design tokens (colours and spacing) loaded from `assets/theme.toml`, dark and light.
//!
//! Panels ask the theme for a colour by meaning ("production", "muted"), never by value, so the
//! production accent is the same everywhere and both themes stay consistent.

use crate::core::profile::Environment;
use egui::Color32;
use serde::Deserialize;

const TOKENS: &str = include_str!("../../assets/theme.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Spacing {
    pub item_x: f32,
    pub item_y: f32,
    pub panel_margin: f32,
    pub corner_radius: f32,
    pub body_text: f32,
    pub heading_text: f32,
    pub small_text: f32,
    pub mono_text: f32,
}

#[derive(Debug, Clone, Deserialize)]
struct RawPalette {
    background: String,
    panel: String,
    raised: String,
    border: String,
    text: String,
    muted: String,
    accent: String,
    sandbox: String,
    production: String,
    production_banner: String,
    custom: String,
    success: String,
    warning: String,
    error: String,
    json_key: String,
    json_string: String,
    json_number: String,
    json_literal: String,
    json_punctuation: String,
}

#[derive(Debug, Deserialize)]
struct RawTokens {
    spacing: Spacing,
    dark: RawPalette,
    light: RawPalette,
}

/// Colours by meaning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub background: Color32,
    pub panel: Color32,
    pub raised: Color32,
    pub border: Color32,
    pub text: Color32,
    pub muted: Color32,
    pub accent: Color32,
    pub sandbox: Color32,
    pub production: Color32,
    pub production_banner: Color32,
    pub custom: Color32,
    pub success: Color32,
    pub warning: Color32,
    pub error: Color32,
    pub json_key: Color32,
    pub json_string: Color32,
    pub json_number: Color32,
    pub json_literal: Color32,
    pub json_punctuation: Color32,
}

/// The whole theme: spacing plus the palette in use.
#[derive(Debug, Clone)]
pub struct Theme {
    pub spacing: Spacing,
    pub palette: Palette,
    pub dark: bool,
}

/// Parse `#rrggbb`; anything else falls back to a visible magenta so a typo is noticed.
#[allow(clippy::disallowed_methods, reason = "the theme is the one place colours are made")]
pub fn parse_hex(text: &str) -> Option<Color32> {
    let hex = text.trim().strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    let [_, r, g, b] = v.to_be_bytes();
    Some(Color32::from_rgb(r, g, b))
}

#[allow(clippy::disallowed_methods, reason = "the theme is the one place colours are made")]
fn color(text: &str) -> Color32 {
    parse_hex(text).unwrap_or(Color32::from_rgb(255, 0, 255))
}

impl RawPalette {
    fn resolve(&self) -> Palette {
        Palette {
            background: color(&self.background),
            panel: color(&self.panel),
            raised: color(&self.raised),
            border: color(&self.border),
            text: color(&self.text),
            muted: color(&self.muted),
            accent: color(&self.accent),
            sandbox: color(&self.sandbox),
            production: color(&self.production),
            production_banner: color(&self.production_banner),
            custom: color(&self.custom),
            success: color(&self.success),
            warning: color(&self.warning),
            error: color(&self.error),
            json_key: color(&self.json_key),
            json_string: color(&self.json_string),
            json_number: color(&self.json_number),
            json_literal: color(&self.json_literal),
            json_punctuation: color(&self.json_punctuation),
        }
    }
}

impl Theme {
    /// The built-in tokens. They are checked by a test, so parsing cannot fail at run time;
    /// if it somehow did, egui's defaults with a red production colour are used.
    pub fn load(dark: bool) -> Self {
        match toml::from_str::<RawTokens>(TOKENS) {
            Ok(raw) => Self {
                palette: if dark { raw.dark.resolve() } else { raw.light.resolve() },
                spacing: raw.spacing,
                dark,
            },
            Err(error) => {
                tracing::error!(%error, "theme tokens could not be read");
                Self::fallback(dark)
            }
        }
    }

    fn fallback(dark: bool) -> Self {
        let visuals = if dark { egui::Visuals::dark() } else { egui::Visuals::light() };
        let text = visuals.text_color();
        let red = visuals.error_fg_color;
        Self {
            spacing: Spacing {
                item_x: 8.0,
                item_y: 6.0,
                panel_margin: 12.0,
                corner_radius: 6.0,
                body_text: 14.0,
                heading_text: 18.0,
                small_text: 12.0,
                mono_text: 13.0,
            },
            palette: Palette {
                background: visuals.extreme_bg_color,
                panel: visuals.panel_fill,
                raised: visuals.faint_bg_color,
                border: visuals.widgets.noninteractive.bg_stroke.color,
                text,
                muted: visuals.weak_text_color(),
                accent: visuals.hyperlink_color,
                sandbox: visuals.hyperlink_color,
                production: red,
                production_banner: visuals.faint_bg_color,
                custom: visuals.warn_fg_color,
                success: visuals.hyperlink_color,
                warning: visuals.warn_fg_color,
                error: red,
                json_key: text,
                json_string: text,
                json_number: text,
                json_literal: text,
                json_punctuation: text,
            },
            dark,
        }
    }

    /// The colour that marks an environment everywhere it is shown.
    pub fn environment_color(&self, environment: &Environment) -> Color32 {
        match environment {
            Environment::Sandbox => self.palette.sandbox,
            // A stage named like production ("Production EU") wears production's colour: the one
            // warning colour means the same everywhere.
            Environment::Production => self.palette.production,
            Environment::Custom { .. } if environment.is_production() => self.palette.production,
            Environment::Custom { color: c, .. } => parse_hex(c).unwrap_or(self.palette.custom),
        }
    }

    /// The colour of a status code.
    pub fn status_color(&self, status: u16) -> Color32 {
        match status {
            200..=299 => self.palette.success,
            300..=399 => self.palette.accent,
            400..=499 => self.palette.warning,
            _ => self.palette.error,
        }
    }

    /// Apply the tokens to egui's style.
    pub fn apply(&self, ctx: &egui::Context) {
        let p = &self.palette;
        let s = &self.spacing;
        let mut visuals = if self.dark { egui::Visuals::dark() } else { egui::Visuals::light() };
        visuals.panel_fill = p.panel;
        visuals.window_fill = p.panel;
        visuals.extreme_bg_color = p.background;
        visuals.faint_bg_color = p.raised;
        visuals.override_text_color = Some(p.text);
        visuals.hyperlink_color = p.accent;
        visuals.selection.bg_fill = p.accent.gamma_multiply(0.45);
        visuals.widgets.noninteractive.bg_stroke.color = p.border;
        visuals.warn_fg_color = p.warning;
        visuals.error_fg_color = p.error;
        let radius = egui::CornerRadius::same(px_u8(s.corner_radius));
        for w in [
            &mut visuals.widgets.noninteractive,
            &mut visuals.widgets.inactive,
            &mut visuals.widgets.hovered,
            &mut visuals.widgets.active,
            &mut visuals.widgets.open,
        ] {
            w.corner_radius = radius;
        }
        visuals.widgets.inactive.bg_fill = p.raised;
        visuals.widgets.inactive.weak_bg_fill = p.raised;
        visuals.window_corner_radius = radius;
        ctx.set_visuals(visuals);
        ctx.global_style_mut(|style| {
            use egui::{FontFamily, FontId, TextStyle};
            style.spacing.item_spacing = egui::vec2(s.item_x, s.item_y);
            style.spacing.button_padding = egui::vec2(10.0, 4.0);
            style.spacing.interact_size.y = 26.0;
            style.text_styles = [
                (TextStyle::Heading, FontId::new(s.heading_text, FontFamily::Proportional)),
                (TextStyle::Body, FontId::new(s.body_text, FontFamily::Proportional)),
                (TextStyle::Button, FontId::new(s.body_text, FontFamily::Proportional)),
                (TextStyle::Small, FontId::new(s.small_text, FontFamily::Proportional)),
                (TextStyle::Monospace, FontId::new(s.mono_text, FontFamily::Monospace)),
            ]
            .into();
        });
    }
}

/// A token in points as a whole number of pixels for margins and corners (0 to 127).
pub fn px_i8(value: f32) -> i8 {
    #[allow(clippy::cast_possible_truncation, reason = "clamped to the i8 range first")]
    let px = value.round().clamp(0.0, 127.0) as i8;
    px
}

fn px_u8(value: f32) -> u8 {
    px_i8(value).unsigned_abs()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods, reason = "comparing with exact colours")]
    fn tokens_parse_and_production_is_red_in_both_themes() {
        let raw: RawTokens = toml::from_str(TOKENS).unwrap();
        for palette in [raw.dark.resolve(), raw.light.resolve()] {
            let [r, g, b, _] = palette.production.to_array();
            assert!(r > 150 && g < 100 && b < 100, "production is not red: {r} {g} {b}");
            assert_ne!(palette.production, Color32::from_rgb(255, 0, 255));
        }
        assert_eq!(parse_hex("#d08a2c"), Some(Color32::from_rgb(0xd0, 0x8a, 0x2c)));
        assert_eq!(parse_hex("d08a2c"), None);
    }
}
