//! Response bodies turned into something a viewer can show line by line.
//!
//! This owns the text side of the body viewer: deciding what a body is (`classify`), re-indenting
//! JSON without building a tree (`format_json_pretty`), hex dumps for binary bodies, and the line
//! index with lazily computed highlight spans (`FormattedBody`). It is pure so that the expensive
//! part runs on a worker thread and is tested without a window; the drawing lives in the UI layer.
//!
//! Bodies can be tens of megabytes, so everything here is a single pass over the bytes and the
//! result keeps one `String` plus offsets. Highlighting is done per visible line on demand because
//! spans for every line of a 50 MB document would cost more memory than the text itself.

use std::fmt;
use std::ops::Range;

/// Lines longer than this (in bytes) are shown as several display lines: laying out one
/// multi-megabyte line would stall the frame it appears in.
pub const MAX_DISPLAY_LINE_BYTES: usize = 2_000;

/// Binary bodies are dumped only up to here: nobody reads more hex than that, and a full dump
/// is four times the size of the body.
pub const HEX_DUMP_LIMIT: usize = 64 * 1024;

const HEX_BYTES_PER_LINE: usize = 16;
const INDENT: &[u8] = b"  ";

/// What a body is, which decides how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Empty,
    Json,
    Text,
    Binary,
}

/// The user's choice between the formatted and the as-received view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    Pretty,
    Raw,
}

/// The colour class of a piece of a displayed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Key,
    String,
    Number,
    /// `true`, `false` and `null`.
    Literal,
    Punctuation,
    Plain,
}

/// One coloured piece of a line; `range` is in bytes, relative to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    pub class: TokenClass,
}

/// Why a body is not valid JSON, in words a user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    UnexpectedCharacter,
    UnexpectedEnd,
    InvalidUtf8,
    InvalidEscape,
    ControlCharacterInString,
    TrailingCharacters,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnexpectedCharacter => "Unexpected character",
            Self::UnexpectedEnd => "Unexpected end of input",
            Self::InvalidUtf8 => "Invalid UTF-8",
            Self::InvalidEscape => "Invalid escape in a string",
            Self::ControlCharacterInString => "Unescaped control character in a string",
            Self::TrailingCharacters => "Unexpected text after the JSON value",
        })
    }
}

/// Where and why JSON stopped parsing. Line and column are 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, column {column}")]
pub struct JsonFormatError {
    pub kind: JsonErrorKind,
    pub line: usize,
    pub column: usize,
}

impl JsonFormatError {
    fn at(kind: JsonErrorKind, bytes: &[u8], offset: usize) -> Self {
        let offset = offset.min(bytes.len());
        let before = &bytes[..offset];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = before.split(|&b| b == b'\n').count();
        let segment = &before[line_start..];
        // Invalid UTF-8 is reported at the first bad byte, so the segment before it is valid;
        // counting bytes is only a fallback that keeps this total.
        let column = std::str::from_utf8(segment).map_or(segment.len(), |s| s.chars().count()) + 1;
        Self { kind, line, column }
    }
}

/// Where a display line starts, for the lexer: normally outside any token, but a long line cut
/// into chunks may continue a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LexStart {
    InString,
    InStringAfterBackslash,
}

/// A body ready to show: one text, its display lines, and what the user should be told about it.
#[derive(Debug)]
pub struct FormattedBody {
    text: String,
    line_starts: Vec<usize>,
    /// Display lines that continue a longer line, ascending; they get no line number.
    continuations: Vec<usize>,
    /// Continuations that start inside a JSON string, ascending by line.
    string_continuations: Vec<(usize, LexStart)>,
    max_line_bytes: usize,
    /// Lines longer than this many bytes are cut into several display lines.
    cut_at: usize,
    kind: BodyKind,
    mode: ViewMode,
    highlighted: bool,
    content_type: Option<String>,
    original_len: usize,
    json_error: Option<JsonFormatError>,
    lossy: bool,
    hex_truncated: bool,
}

impl FormattedBody {
    fn new(text: String, kind: BodyKind, mode: ViewMode, highlighted: bool) -> Self {
        let mut body = Self {
            text,
            line_starts: Vec::new(),
            continuations: Vec::new(),
            string_continuations: Vec::new(),
            max_line_bytes: 0,
            cut_at: MAX_DISPLAY_LINE_BYTES,
            kind,
            mode,
            highlighted,
            content_type: None,
            original_len: 0,
            json_error: None,
            lossy: false,
            hex_truncated: false,
        };
        body.index_lines();
        body
    }

    /// Index the lines again, cutting long ones at `cut` bytes.
    fn reindex(&mut self, cut: usize) {
        self.line_starts.clear();
        self.continuations.clear();
        self.string_continuations.clear();
        self.max_line_bytes = 0;
        self.cut_at = cut;
        self.index_lines();
    }

    fn index_lines(&mut self) {
        let len = self.text.len();
        let mut start = 0;
        while start < len {
            let end = self.text.as_bytes()[start..].iter().position(|&b| b == b'\n').map_or(len, |p| start + p);
            self.line_starts.push(start);
            if end - start > self.cut_at {
                self.split_long_line(start, end);
            } else {
                self.max_line_bytes = self.max_line_bytes.max(end - start);
            }
            start = end + 1;
        }
    }

    fn split_long_line(&mut self, start: usize, end: usize) {
        let mut in_string = false;
        let mut escaped = false;
        let mut lexed_to = start;
        let mut chunk_start = start;
        loop {
            let mut cut = (chunk_start + self.cut_at).min(end);
            while !self.text.is_char_boundary(cut) {
                cut -= 1;
            }
            self.max_line_bytes = self.max_line_bytes.max(cut - chunk_start);
            if cut >= end {
                break;
            }
            if self.highlighted {
                for &b in &self.text.as_bytes()[lexed_to..cut] {
                    if escaped {
                        escaped = false;
                    } else if in_string && b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = !in_string;
                    }
                }
                lexed_to = cut;
                if in_string {
                    let state = if escaped { LexStart::InStringAfterBackslash } else { LexStart::InString };
                    self.string_continuations.push((self.line_starts.len(), state));
                }
            }
            self.continuations.push(self.line_starts.len());
            self.line_starts.push(cut);
            chunk_start = cut;
        }
    }

    /// The whole displayed text (pretty JSON, raw text or hex dump).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Display lines, counting the pieces of cut long lines separately.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Lines as the text has them, which is what line numbers count.
    pub fn source_line_count(&self) -> usize {
        self.line_starts.len() - self.continuations.len()
    }

    /// Display line `i` without its line break; empty when out of range.
    pub fn line(&self, i: usize) -> &str {
        let Some(&start) = self.line_starts.get(i) else { return "" };
        let end = self.line_starts.get(i + 1).copied().unwrap_or(self.text.len());
        let mut line = &self.text[start..end];
        // A cut never lands on a line break, so a trailing one always ends a source line.
        if let Some(stripped) = line.strip_suffix('\n') {
            line = stripped.strip_suffix('\r').unwrap_or(stripped);
        }
        line
    }

    /// The 1-based number of the source line that display line `i` starts, or `None` when it
    /// continues a line cut for display.
    pub fn line_number(&self, i: usize) -> Option<usize> {
        match self.continuations.binary_search(&i) {
            Ok(_) => None,
            Err(before) => Some(i - before + 1),
        }
    }

    /// The longest display line in bytes, so the viewer can size its scroll width once.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    pub fn kind(&self) -> BodyKind {
        self.kind
    }

    pub fn mode(&self) -> ViewMode {
        self.mode
    }

    /// Whether spans carry JSON classes; raw and non-JSON views are one plain span per line.
    pub fn is_highlighted(&self) -> bool {
        self.highlighted
    }

    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Size of the body as received, which the hex dump or lossy text may not show in full.
    pub fn original_len(&self) -> usize {
        self.original_len
    }

    /// Set when the body was meant to be JSON but is not; the raw text is shown instead.
    pub fn json_error(&self) -> Option<&JsonFormatError> {
        self.json_error.as_ref()
    }

    /// The text had bytes that are not UTF-8; they are shown as replacement characters.
    pub fn is_lossy(&self) -> bool {
        self.lossy
    }

    /// The hex dump stops at `HEX_DUMP_LIMIT` before the end of the body.
    pub fn is_hex_truncated(&self) -> bool {
        self.hex_truncated
    }

    /// Colour spans for display line `i`, covering it from start to end.
    pub fn line_spans(&self, i: usize) -> Vec<Span> {
        let line = self.line(i);
        if !self.highlighted {
            return if line.is_empty() {
                Vec::new()
            } else {
                vec![Span { range: 0..line.len(), class: TokenClass::Plain }]
            };
        }
        let start = self
            .string_continuations
            .binary_search_by_key(&i, |&(line, _)| line)
            .ok()
            .map(|at| self.string_continuations[at].1);
        lex_json_line(line, start)
    }
}

/// Splits one line of JSON into coloured spans. The line need not be a whole value: any line of
/// pretty output lexes correctly on its own, which is what makes per-line highlighting possible.
fn lex_json_line(line: &str, start: Option<LexStart>) -> Vec<Span> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut pos = 0;
    if let Some(state) = start {
        let end = string_end(bytes, 0, state == LexStart::InStringAfterBackslash);
        spans.push(Span { range: 0..end, class: string_class(bytes, end) });
        pos = end;
    }
    while pos < bytes.len() {
        let b = bytes[pos];
        let (end, class) = match b {
            b' ' | b'\t' | b'\r' => (run_end(bytes, pos, |c| matches!(c, b' ' | b'\t' | b'\r')), TokenClass::Plain),
            b'"' => {
                let end = string_end(bytes, pos + 1, false);
                (end, string_class(bytes, end))
            }
            b'{' | b'}' | b'[' | b']' | b',' | b':' => (pos + 1, TokenClass::Punctuation),
            b'-' | b'0'..=b'9' => (
                run_end(bytes, pos, |c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')),
                TokenClass::Number,
            ),
            b'a'..=b'z' | b'A'..=b'Z' => {
                let end = run_end(bytes, pos, |c| c.is_ascii_alphanumeric());
                let class = if matches!(&bytes[pos..end], b"true" | b"false" | b"null") {
                    TokenClass::Literal
                } else {
                    TokenClass::Plain
                };
                (end, class)
            }
            _ => {
                let len = line[pos..].chars().next().map_or(1, char::len_utf8);
                (pos + len, TokenClass::Plain)
            }
        };
        spans.push(Span { range: pos..end, class });
        pos = end;
    }
    spans
}

fn run_end(bytes: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[from..].iter().position(|&c| !keep(c)).map_or(bytes.len(), |p| from + p)
}

/// The end (exclusive, after the closing quote) of a string whose body starts at `from`, or the
/// end of the line when the string goes on.
fn string_end(bytes: &[u8], from: usize, mut escaped: bool) -> usize {
    for (offset, &b) in bytes[from..].iter().enumerate() {
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            return from + offset + 1;
        }
    }
    bytes.len()
}

/// A string followed by a colon is an object key.
fn string_class(bytes: &[u8], end: usize) -> TokenClass {
    let next = bytes[end..].iter().find(|&&c| !matches!(c, b' ' | b'\t' | b'\r'));
    if next == Some(&b':') { TokenClass::Key } else { TokenClass::String }
}

/// Whether a `Content-Type` value names JSON (`application/json`, `application/problem+json`…).
pub fn content_type_is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let Some((_, subtype)) = essence.split_once('/') else { return false };
    subtype == "json" || subtype.ends_with("+json") || subtype == "x-json" || subtype == "json-seq"
}

/// Decides what a body is. JSON when the content type says so (and the body is text) or when it
/// starts like JSON and is valid; text when it reads as text; binary otherwise.
pub fn classify(content_type: Option<&str>, bytes: &[u8]) -> BodyKind {
    if bytes.is_empty() {
        return BodyKind::Empty;
    }
    let text = text_quality(bytes);
    if text == TextQuality::Binary {
        return BodyKind::Binary;
    }
    if content_type.is_some_and(content_type_is_json) || (looks_like_json(bytes) && validate_json(bytes).is_ok()) {
        return BodyKind::Json;
    }
    BodyKind::Text
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let first = skip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'['))
}

fn skip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextQuality {
    Utf8,
    MostlyText,
    Binary,
}

/// Text has no NUL bytes and few control characters or invalid UTF-8 bytes; up to a tenth
/// is tolerated so that Latin-1 pages and the odd corrupt byte still read as text.
fn text_quality(bytes: &[u8]) -> TextQuality {
    if bytes.contains(&0) {
        return TextQuality::Binary;
    }
    let mut suspicious = 0usize;
    let mut invalid = false;
    for chunk in bytes.utf8_chunks() {
        suspicious += chunk
            .valid()
            .bytes()
            .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b) || b == 0x7f)
            .count();
        if !chunk.invalid().is_empty() {
            invalid = true;
            suspicious += chunk.invalid().len();
        }
    }
    if suspicious * 10 > bytes.len() {
        TextQuality::Binary
    } else if invalid {
        TextQuality::MostlyText
    } else {
        TextQuality::Utf8
    }
}

/// Where re-indented JSON goes: a byte buffer, or nowhere when only validating.
trait Sink {
    fn push(&mut self, byte: u8);
    fn extend(&mut self, bytes: &[u8]);
    fn newline_indent(&mut self, depth: usize);
}

impl Sink for Vec<u8> {
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }
    fn extend(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn newline_indent(&mut self, depth: usize) {
        Vec::push(self, b'\n');
        for _ in 0..depth {
            self.extend_from_slice(INDENT);
        }
    }
}

struct Discard;

impl Sink for Discard {
    fn push(&mut self, _: u8) {}
    fn extend(&mut self, _: &[u8]) {}
    fn newline_indent(&mut self, _: usize) {}
}

/// Re-indents JSON with two spaces in one pass, validating as it goes. No tree is built: a
/// 50 MB body as a `serde_json::Value` costs about ten times its size and seconds to drop.
/// Strings and numbers are copied byte for byte, so escapes and number spellings are kept.
pub fn format_json_pretty(bytes: &[u8]) -> Result<String, JsonFormatError> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    reindent(bytes, &mut out)?;
    // Input was checked to be UTF-8 and only ASCII was added, so this cannot fail; the error
    // branch keeps it total without unsafe code.
    String::from_utf8(out)
        .map_err(|e| JsonFormatError::at(JsonErrorKind::InvalidUtf8, bytes, e.utf8_error().valid_up_to()))
}

/// Checks that `bytes` is one JSON value, without producing output.
pub fn validate_json(bytes: &[u8]) -> Result<(), JsonFormatError> {
    reindent(bytes, &mut Discard)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Value,
    Key,
    CommaOrClose,
    End,
}

fn reindent(input: &[u8], out: &mut impl Sink) -> Result<(), JsonFormatError> {
    let bytes = input;
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(JsonFormatError::at(JsonErrorKind::InvalidUtf8, bytes, e.valid_up_to()));
    }
    let err = |kind, at| JsonFormatError::at(kind, input, at);
    let mut pos = bytes.len() - skip_bom(bytes).len();
    // `true` for an object, `false` for an array; a heap stack so deep nesting cannot overflow.
    let mut stack: Vec<bool> = Vec::new();
    let mut expect = Expect::Value;
    loop {
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
        }
        let Some(&b) = bytes.get(pos) else {
            return if expect == Expect::End { Ok(()) } else { Err(err(JsonErrorKind::UnexpectedEnd, pos)) };
        };
        match expect {
            Expect::End => return Err(err(JsonErrorKind::TrailingCharacters, pos)),
            Expect::Key => {
                if b != b'"' {
                    return Err(err(JsonErrorKind::UnexpectedCharacter, pos));
                }
                pos = copy_string(bytes, pos, out).map_err(|(kind, at)| err(kind, at))?;
                while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
                    pos += 1;
                }
                match bytes.get(pos) {
                    Some(b':') => out.extend(b": "),
                    Some(_) => return Err(err(JsonErrorKind::UnexpectedCharacter, pos)),
                    None => return Err(err(JsonErrorKind::UnexpectedEnd, pos)),
                }
                pos += 1;
                expect = Expect::Value;
            }
            Expect::CommaOrClose => {
                let in_object = stack.last().copied().unwrap_or(false);
                match b {
                    b',' => {
                        out.push(b',');
                        out.newline_indent(stack.len());
                        pos += 1;
                        expect = if in_object { Expect::Key } else { Expect::Value };
                    }
                    b'}' | b']' if (b == b'}') == in_object => {
                        stack.pop();
                        out.newline_indent(stack.len());
                        out.push(b);
                        pos += 1;
                        expect = if stack.is_empty() { Expect::End } else { Expect::CommaOrClose };
                    }
                    _ => return Err(err(JsonErrorKind::UnexpectedCharacter, pos)),
                }
            }
            Expect::Value => {
                match b {
                    b'{' | b'[' => {
                        let close = if b == b'{' { b'}' } else { b']' };
                        pos += 1;
                        let mut peek = pos;
                        while peek < bytes.len() && matches!(bytes[peek], b' ' | b'\t' | b'\n' | b'\r') {
                            peek += 1;
                        }
                        if bytes.get(peek) == Some(&close) {
                            // Empty containers stay on one line.
                            out.push(b);
                            out.push(close);
                            pos = peek + 1;
                        } else {
                            out.push(b);
                            stack.push(b == b'{');
                            out.newline_indent(stack.len());
                            expect = if b == b'{' { Expect::Key } else { Expect::Value };
                            continue;
                        }
                    }
                    b'"' => pos = copy_string(bytes, pos, out).map_err(|(kind, at)| err(kind, at))?,
                    b'-' | b'0'..=b'9' => pos = copy_number(bytes, pos, out).map_err(|(kind, at)| err(kind, at))?,
                    b't' | b'f' | b'n' => {
                        let word: &[u8] = match b {
                            b't' => b"true",
                            b'f' => b"false",
                            _ => b"null",
                        };
                        for (i, &expected) in word.iter().enumerate() {
                            match bytes.get(pos + i) {
                                Some(&got) if got == expected => {}
                                Some(_) => return Err(err(JsonErrorKind::UnexpectedCharacter, pos + i)),
                                None => return Err(err(JsonErrorKind::UnexpectedEnd, pos + i)),
                            }
                        }
                        out.extend(word);
                        pos += word.len();
                    }
                    _ => return Err(err(JsonErrorKind::UnexpectedCharacter, pos)),
                }
                expect = if stack.is_empty() { Expect::End } else { Expect::CommaOrClose };
            }
        }
    }
}

type ScanError = (JsonErrorKind, usize);

/// Copies the string starting at the quote at `start`; returns the position after its closing quote.
fn copy_string(bytes: &[u8], start: usize, out: &mut impl Sink) -> Result<usize, ScanError> {
    let mut pos = start + 1;
    loop {
        let Some(&b) = bytes.get(pos) else { return Err((JsonErrorKind::UnexpectedEnd, pos)) };
        match b {
            b'"' => {
                out.extend(&bytes[start..=pos]);
                return Ok(pos + 1);
            }
            b'\\' => {
                let Some(&e) = bytes.get(pos + 1) else { return Err((JsonErrorKind::UnexpectedEnd, pos + 1)) };
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => pos += 2,
                    b'u' => {
                        for i in 0..4 {
                            match bytes.get(pos + 2 + i) {
                                Some(h) if h.is_ascii_hexdigit() => {}
                                Some(_) => return Err((JsonErrorKind::InvalidEscape, pos + 2 + i)),
                                None => return Err((JsonErrorKind::UnexpectedEnd, pos + 2 + i)),
                            }
                        }
                        pos += 6;
                    }
                    _ => return Err((JsonErrorKind::InvalidEscape, pos + 1)),
                }
            }
            0..=0x1f => return Err((JsonErrorKind::ControlCharacterInString, pos)),
            _ => pos += 1,
        }
    }
}

/// Copies `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns the position after it.
fn copy_number(bytes: &[u8], start: usize, out: &mut impl Sink) -> Result<usize, ScanError> {
    let digits = |from: usize| -> Result<usize, ScanError> {
        match bytes.get(from) {
            Some(d) if d.is_ascii_digit() => Ok(run_end(bytes, from, |c| c.is_ascii_digit())),
            Some(_) => Err((JsonErrorKind::UnexpectedCharacter, from)),
            None => Err((JsonErrorKind::UnexpectedEnd, from)),
        }
    };
    let mut pos = start;
    if bytes[pos] == b'-' {
        pos += 1;
    }
    pos = if bytes.get(pos) == Some(&b'0') { pos + 1 } else { digits(pos)? };
    if bytes.get(pos) == Some(&b'.') {
        pos = digits(pos + 1)?;
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(bytes.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        pos = digits(pos)?;
    }
    out.extend(&bytes[start..pos]);
    Ok(pos)
}

/// `hexdump -C` style: offset, sixteen bytes in two groups of eight, then the printable ASCII.
pub fn hex_dump(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().div_ceil(HEX_BYTES_PER_LINE) * 80);
    for (line, chunk) in bytes.chunks(HEX_BYTES_PER_LINE).enumerate() {
        if line > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{:08x}  ", line * HEX_BYTES_PER_LINE));
        for i in 0..HEX_BYTES_PER_LINE {
            match chunk.get(i) {
                Some(&b) => {
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0x0f)]));
                    out.push(' ');
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { char::from(b) } else { '.' }));
        out.push('|');
    }
    out
}

/// [`prepare`], with long lines cut into display lines of at most `wrap_bytes` bytes (so they
/// wrap at the view's edge) instead of [`MAX_DISPLAY_LINE_BYTES`]. A hex dump is never wrapped.
pub fn prepare_wrapped(
    content_type: Option<&str>,
    bytes: &[u8],
    mode: ViewMode,
    wrap_bytes: Option<usize>,
) -> FormattedBody {
    let mut body = prepare(content_type, bytes, mode);
    if let Some(cut) = wrap_bytes.filter(|_| body.kind != BodyKind::Binary) {
        body.reindex(cut.clamp(8, MAX_DISPLAY_LINE_BYTES));
    }
    body
}

/// Turns a body into what the viewer shows. Runs on a worker thread: for a large body this is
/// the expensive step, and everything the viewer does per frame afterwards is per visible line.
pub fn prepare(content_type: Option<&str>, bytes: &[u8], mode: ViewMode) -> FormattedBody {
    let declared_json = content_type.is_some_and(content_type_is_json);
    let mut body = if bytes.is_empty() {
        FormattedBody::new(String::new(), BodyKind::Empty, mode, false)
    } else if text_quality(bytes) == TextQuality::Binary {
        let shown = &bytes[..bytes.len().min(HEX_DUMP_LIMIT)];
        let mut body = FormattedBody::new(hex_dump(shown), BodyKind::Binary, mode, false);
        body.hex_truncated = shown.len() < bytes.len();
        body
    } else if !declared_json && !looks_like_json(bytes) {
        raw_text(bytes, BodyKind::Text, mode)
    } else if mode == ViewMode::Pretty {
        // The formatter is also the validator, so sniffed JSON costs one pass, not two.
        match format_json_pretty(bytes) {
            Ok(pretty) => FormattedBody::new(pretty, BodyKind::Json, mode, true),
            Err(e) if declared_json => {
                let mut body = raw_text(bytes, BodyKind::Json, mode);
                body.json_error = Some(e);
                body
            }
            Err(_) => raw_text(bytes, BodyKind::Text, mode),
        }
    } else {
        let kind = if declared_json || validate_json(bytes).is_ok() { BodyKind::Json } else { BodyKind::Text };
        raw_text(bytes, kind, mode)
    };
    body.content_type = content_type.map(str::to_owned);
    body.original_len = bytes.len();
    body
}

fn raw_text(bytes: &[u8], kind: BodyKind, mode: ViewMode) -> FormattedBody {
    let (text, lossy) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
    };
    let mut body = FormattedBody::new(text, kind, mode, false);
    body.lossy = lossy;
    body
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;
    use std::fmt::Write as _;

    fn same_as_serde(doc: &str) {
        let pretty = format_json_pretty(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let ours: serde_json::Value = serde_json::from_str(&pretty).unwrap_or_else(|e| panic!("{pretty}: {e}"));
        let theirs: serde_json::Value = serde_json::from_slice(doc.as_bytes()).unwrap();
        assert_eq!(ours, theirs, "{doc}");
    }

    #[test]
    fn body_pretty_json_means_the_same_as_the_original() {
        let deep = format!("{}42{}", "[".repeat(100), "]".repeat(100));
        let docs = [
            r#"{"a":1,"b":[1,2,{"c":null}],"d":{"e":true,"f":false}}"#,
            r#""just a string""#,
            r#"{"a":{},"b":[],"c":[{}],"d":[[]],"e":{ },"f":[ ]}"#,
            r#"{"s":"line\nbreak \"quoted\" back\\slash \/ \b\f\r\t \u00e9 \ud83d\ude00"}"#,
            r#"{"名前":"日本語","emoji":"😀","mixed":"é\u0041"}"#,
            "[0,-0,1.5,-2.25e10,3E-5,1e+2,12345678901234567890,0.1,-0.0e0]",
            "  {\n\t\"a\" :\r\n [ 1 , 2 ] }  ",
            &deep,
            "42",
            "true",
            "null",
            r#"[{"id":1,"tags":["x","y"]},{"id":2,"tags":[]},{"id":3,"nested":{"k":[null,false]}}]"#,
        ];
        for doc in docs {
            same_as_serde(doc);
        }
    }

    #[test]
    fn body_pretty_json_layout() {
        let pretty = format_json_pretty(br#"{"a":1,"b":[1,{}],"c":{"d":"x"}}"#).unwrap();
        assert_eq!(pretty, "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": {\n    \"d\": \"x\"\n  }\n}");
        assert_eq!(format_json_pretty(b" [ ] ").unwrap(), "[]");
    }

    #[test]
    fn body_invalid_json_says_where() {
        let err = format_json_pretty(b"{\"a\": 1,\n \"b\": x}").unwrap_err();
        assert_eq!(err.to_string(), "Unexpected character at line 2, column 7");
        let err = format_json_pretty(b"[1, 2").unwrap_err();
        assert_eq!((err.kind, err.line, err.column), (JsonErrorKind::UnexpectedEnd, 1, 6));
        // Columns count characters, not bytes: "é" is two bytes.
        let err = format_json_pretty("{\"é\": \"\\q\"}".as_bytes()).unwrap_err();
        assert_eq!((err.kind, err.line, err.column), (JsonErrorKind::InvalidEscape, 1, 9));
        let err = format_json_pretty(b"{}\n\n  x").unwrap_err();
        assert_eq!((err.kind, err.line, err.column), (JsonErrorKind::TrailingCharacters, 3, 3));
        for bad in
            ["[01]", "{\"a\" 1}", "[1,]", "{,}", "\"tab\there\"", "[1.]", "[-]", "[1e]", "tru", "[}", "{\"a\":1]"]
        {
            assert!(format_json_pretty(bad.as_bytes()).is_err(), "{bad}");
            assert!(serde_json::from_str::<serde_json::Value>(bad).is_err(), "{bad}");
        }
        assert_eq!(format_json_pretty(b"[\"\xff\"]").unwrap_err().kind, JsonErrorKind::InvalidUtf8);
    }

    #[test]
    fn body_classify() {
        assert_eq!(classify(Some("application/json"), b""), BodyKind::Empty);
        assert_eq!(classify(Some("application/json; charset=utf-8"), b"{\"a\":1}"), BodyKind::Json);
        assert_eq!(classify(Some("application/problem+json"), b"{}"), BodyKind::Json);
        assert_eq!(classify(None, b"  [1, 2]"), BodyKind::Json);
        assert_eq!(classify(Some("text/plain"), b"{\"a\":1}"), BodyKind::Json);
        assert_eq!(classify(None, b"{not json"), BodyKind::Text);
        assert_eq!(classify(Some("text/html"), b"<p>hello</p>\n"), BodyKind::Text);
        assert_eq!(classify(None, b"caf\xe9 au lait"), BodyKind::Text);
        assert_eq!(classify(Some("image/png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), BodyKind::Binary);
        assert_eq!(classify(None, &[1, 2, 3, 4, 5, 200, 201]), BodyKind::Binary);
    }

    #[test]
    fn body_hex_dump() {
        let body = prepare(Some("application/octet-stream"), b"{\"a\":1}\0", ViewMode::Pretty);
        assert_eq!(body.kind(), BodyKind::Binary);
        assert_eq!(body.line(0), "00000000  7b 22 61 22 3a 31 7d 00                           |{\"a\":1}.|");
        assert_eq!(
            hex_dump(b"{\"a\":1}").lines().next().unwrap(),
            "00000000  7b 22 61 22 3a 31 7d                              |{\"a\":1}|"
        );
        let big = vec![0u8; HEX_DUMP_LIMIT + 10];
        let body = prepare(None, &big, ViewMode::Raw);
        assert!(body.is_hex_truncated());
        assert_eq!(body.line_count(), HEX_DUMP_LIMIT / 16);
        assert_eq!(body.original_len(), HEX_DUMP_LIMIT + 10);
        assert_eq!(body.line(1).len(), body.line(0).len());
    }

    #[test]
    fn body_prepare_modes_and_notes() {
        let body = prepare(Some("application/json"), b"{\"a\":[1,true]}", ViewMode::Pretty);
        assert_eq!((body.kind(), body.line_count(), body.is_highlighted()), (BodyKind::Json, 6, true));
        assert_eq!(body.line(2), "    1,");
        let raw = prepare(Some("application/json"), b"{\"a\":[1,true]}", ViewMode::Raw);
        assert_eq!((raw.kind(), raw.line_count(), raw.is_highlighted()), (BodyKind::Json, 1, false));

        let broken = prepare(Some("application/json"), b"{\"a\":\n oops}", ViewMode::Pretty);
        assert_eq!(broken.kind(), BodyKind::Json);
        assert_eq!(broken.json_error().unwrap().to_string(), "Unexpected character at line 2, column 2");
        assert_eq!((broken.line(0), broken.line(1)), ("{\"a\":", " oops}"));

        let sniffed = prepare(None, b"{looks like json}", ViewMode::Pretty);
        assert_eq!((sniffed.kind(), sniffed.json_error()), (BodyKind::Text, None));

        let latin1 = prepare(Some("text/plain"), b"caf\xe9\r\nbar\r\n", ViewMode::Pretty);
        assert!(latin1.is_lossy());
        assert_eq!((latin1.line_count(), latin1.line(0), latin1.line(1)), (2, "caf\u{fffd}", "bar"));

        let empty = prepare(None, b"", ViewMode::Pretty);
        assert_eq!((empty.kind(), empty.line_count()), (BodyKind::Empty, 0));
    }

    #[test]
    fn body_long_lines_are_cut_for_display() {
        let long = "é".repeat(3_000); // 6,000 bytes; cuts must fall between characters
        let body = prepare(Some("text/plain"), format!("first\n{long}\nlast").as_bytes(), ViewMode::Raw);
        assert_eq!((body.source_line_count(), body.line_count()), (3, 5));
        assert_eq!(body.line_number(1), Some(2));
        assert_eq!((body.line_number(2), body.line_number(3)), (None, None));
        assert_eq!(body.line_number(4), Some(3));
        assert_eq!((1..4).map(|i| body.line(i)).collect::<String>(), long);
        assert!(body.max_line_bytes() <= MAX_DISPLAY_LINE_BYTES);

        let value = format!("a\\\"{}", "x".repeat(4_500));
        let doc = format!("{{\"k\":\"{value}\",\"n\":1}}");
        let body = prepare(None, doc.as_bytes(), ViewMode::Pretty);
        assert_eq!(body.source_line_count(), 4);
        assert_eq!(body.line_count(), 6);
        for i in 2..=3 {
            let spans = body.line_spans(i);
            assert_eq!(spans[0].class, TokenClass::String, "line {i} continues the string");
        }
        let last_piece = body.line_spans(3);
        assert_eq!(last_piece.last().unwrap().class, TokenClass::Punctuation);
        assert_eq!(body.line_spans(4).iter().map(|s| s.class).collect::<Vec<_>>()[1], TokenClass::Key);
    }

    #[test]
    fn body_line_spans_colour_tokens() {
        use TokenClass::{Key, Literal, Number, Plain, Punctuation, String as Str};
        let body = prepare(None, br#"{"name":"x","n":-1.5e3,"ok":null,"list":[]}"#, ViewMode::Pretty);
        let classes = |i: usize| -> Vec<(String, TokenClass)> {
            let line = body.line(i);
            body.line_spans(i).into_iter().map(|s| (line[s.range].to_owned(), s.class)).collect()
        };
        let own = |v: &[(&str, TokenClass)]| v.iter().map(|(t, c)| ((*t).to_owned(), *c)).collect::<Vec<_>>();
        assert_eq!(classes(0), own(&[("{", Punctuation)]));
        assert_eq!(
            classes(1),
            own(&[
                ("  ", Plain),
                ("\"name\"", Key),
                (":", Punctuation),
                (" ", Plain),
                ("\"x\"", Str),
                (",", Punctuation)
            ])
        );
        assert_eq!(classes(2)[4], ("-1.5e3".to_owned(), Number));
        assert_eq!(classes(3)[4], ("null".to_owned(), Literal));
        assert_eq!(classes(4)[4], ("[".to_owned(), Punctuation));
        assert_eq!(classes(4)[5], ("]".to_owned(), Punctuation));
        let raw = prepare(None, b"plain", ViewMode::Raw);
        assert_eq!(raw.line_spans(0), vec![Span { range: 0..5, class: Plain }]);
    }

    /// A compact array of `count` objects; pretty, each is ten lines.
    fn generated_json(min_bytes: usize) -> (String, usize) {
        let mut doc = String::from("[");
        let mut count = 0;
        while doc.len() < min_bytes {
            if count > 0 {
                doc.push(',');
            }
            write!(
                doc,
                r#"{{"id":{count},"name":"user \"{count}\" é","tags":["a","b"],"active":true,"score":{count}.5e-1}}"#
            )
            .unwrap();
            count += 1;
        }
        doc.push(']');
        (doc, count)
    }

    #[test]
    fn body_five_megabytes_of_json() {
        let (doc, count) = generated_json(5 * 1024 * 1024);
        let body = prepare(Some("application/json"), doc.as_bytes(), ViewMode::Pretty);
        assert_eq!(body.kind(), BodyKind::Json);
        assert_eq!(body.line_count(), count * 10 + 2);
        assert_eq!(body.line(body.line_count() - 2), "  }");
        let last: serde_json::Value = serde_json::from_str(body.text()).unwrap();
        assert_eq!(last.as_array().unwrap().len(), count);
    }

    /// Timing, not correctness: `cargo test --release --lib body -- --ignored --nocapture`.
    #[test]
    #[ignore = "measurement; run in release"]
    fn body_measure_fifty_megabytes() {
        let (doc, _) = generated_json(50 * 1024 * 1024);
        let started = std::time::Instant::now();
        let pretty = prepare(Some("application/json"), doc.as_bytes(), ViewMode::Pretty);
        let pretty_time = started.elapsed();
        let started = std::time::Instant::now();
        let sniffed = prepare(None, doc.as_bytes(), ViewMode::Pretty);
        let sniffed_time = started.elapsed();
        let started = std::time::Instant::now();
        let raw = prepare(Some("application/json"), doc.as_bytes(), ViewMode::Raw);
        let raw_time = started.elapsed();
        let started = std::time::Instant::now();
        let kind = classify(None, doc.as_bytes());
        let classify_time = started.elapsed();
        let started = std::time::Instant::now();
        for i in 0..1_000 {
            std::hint::black_box(pretty.line_spans(i * 997));
        }
        let spans_time = started.elapsed();
        println!(
            "{} MB JSON: prepare pretty {pretty_time:?} ({} lines), pretty sniffed {sniffed_time:?} ({} lines), \
             raw {raw_time:?} ({} display lines), classify {classify_time:?} ({kind:?}), \
             1,000 lines of spans {spans_time:?}",
            doc.len() / (1024 * 1024),
            pretty.line_count(),
            sniffed.line_count(),
            raw.line_count(),
        );
    }
}
