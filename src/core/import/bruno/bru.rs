//! The `.bru` file language: named blocks of `key: value` rows, text, or a `[ list ]`.
//!
//! ```text
//! meta {
//!   name: One order
//!   seq: 2
//! }
//! headers {
//!   ~x-disabled: 1
//! }
//! body:json {
//!   { "id": 1 }
//! }
//! vars:secret [
//!   token
//! ]
//! ```
//! A block opens with `name {` at the start of a line and closes with a line that is only `}`.
//! Never panics: text that is not a block is ignored, an unclosed block ends with the file.

/// One block of a `.bru` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `key: value` rows in file order.
    Rows(Vec<Row>),
    /// Text kept as written, its block indentation removed.
    Text(String),
    /// `[ a, b ]` entries.
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: String,
    pub value: String,
    /// `false` for a row written `~key: value`.
    pub enabled: bool,
}

/// Blocks whose content is free text rather than rows.
fn is_text_block(name: &str) -> bool {
    name.starts_with("body:") && !matches!(name, "body:form-urlencoded" | "body:multipart-form" | "body:file")
        || name.starts_with("script:")
        || matches!(name, "tests" | "docs")
}

/// Every block of a file, in order. A block name repeated keeps every occurrence.
pub fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        if let Some(name) = opener(line, '{') {
            let start = i;
            while i < lines.len() && lines[i].trim_end() != "}" {
                i += 1;
            }
            let inner = &lines[start..i.min(lines.len())];
            i += 1;
            let body = if is_text_block(&name) { Body::Text(dedent(inner)) } else { Body::Rows(rows(inner)) };
            blocks.push(Block { name, body });
        } else if let Some((name, rest)) = list_opener(line) {
            // `name [ a, b ]` on one line, or the entries on the lines up to `]`.
            let mut text = rest.to_owned();
            if !text.contains(']') {
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    text.push(',');
                    text.push_str(l);
                    if l.contains(']') {
                        break;
                    }
                }
            }
            let text = text.split(']').next().unwrap_or_default();
            let items = text
                .split(',')
                .map(|s| s.trim().trim_start_matches('~').trim_matches('"').trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            blocks.push(Block { name, body: Body::List(items) });
        }
    }
    blocks
}

/// `name {` → `name` (names are letters, digits, `:`, `-`, `_`, `.`).
fn opener(line: &str, brace: char) -> Option<String> {
    let head = line.strip_suffix(brace)?.trim_end();
    valid_name(head).then(|| head.to_owned())
}

fn list_opener(line: &str) -> Option<(String, &str)> {
    let (head, rest) = line.split_once('[')?;
    let head = head.trim_end();
    valid_name(head).then(|| (head.to_owned(), rest))
}

fn valid_name(head: &str) -> bool {
    head.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && head.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
}

/// The lines with the smallest common indentation removed (Bruno writes two spaces).
fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| if l.trim().is_empty() { "" } else { l.get(indent..).unwrap_or(l.trim_start()) })
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// `key: value` rows; `'''` opens a value that runs over several lines up to the next `'''`.
fn rows(lines: &[&str]) -> Vec<Row> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (enabled, line) = match line.strip_prefix('~') {
            Some(rest) => (false, rest.trim_start()),
            None => (true, line),
        };
        let Some((key, value)) = split_row(line) else { continue };
        let mut value = value.trim().to_owned();
        if value == "'''" {
            let start = i;
            while i < lines.len() && lines[i].trim() != "'''" {
                i += 1;
            }
            value = dedent(&lines[start..i.min(lines.len())]);
            i += 1;
        }
        out.push(Row { key, value, enabled });
    }
    out
}

/// The key (quoted keys may hold `:`) and the rest of the line after its `:`.
fn split_row(line: &str) -> Option<(String, &str)> {
    if let Some(rest) = line.strip_prefix('"') {
        let end = rest.find('"')?;
        let key = rest.get(..end)?.to_owned();
        let after = rest.get(end + 1..)?.trim_start().strip_prefix(':')?;
        return Some((key, after));
    }
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    (!key.is_empty()).then(|| (key.to_owned(), value))
}

/// Helpers to read blocks.
pub trait Blocks {
    fn block(&self, name: &str) -> Option<&Body>;
    /// The enabled value of `key` in the rows of `block` (empty when missing).
    fn field(&self, block: &str, key: &str) -> String;
    fn rows_of(&self, name: &str) -> Vec<Row>;
    fn text_of(&self, name: &str) -> String;
}

impl Blocks for [Block] {
    fn block(&self, name: &str) -> Option<&Body> {
        self.iter().find(|b| b.name == name).map(|b| &b.body)
    }

    fn field(&self, block: &str, key: &str) -> String {
        self.rows_of(block).into_iter().find(|r| r.key == key && r.enabled).map(|r| r.value).unwrap_or_default()
    }

    fn rows_of(&self, name: &str) -> Vec<Row> {
        self.iter()
            .filter(|b| b.name == name)
            .flat_map(|b| match &b.body {
                Body::Rows(rows) => rows.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    fn text_of(&self, name: &str) -> String {
        match self.block(name) {
            Some(Body::Text(t)) => t.clone(),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_text_and_lists() {
        let text = "meta {\n  name: Get: one\n  seq: 2\n}\n\nget {\n  url: https://x.test/a?b={c}\n  body: json\n}\n\nheaders {\n  ~x-off: 1\n  \"a:b\": c\n}\n\nbody:json {\n  {\n    \"id\": 1\n  }\n}\n\nvars:secret [\n  token,\n  ~password\n]\nvars:secret [a, b]\n";
        let b = parse(text);
        assert_eq!(b.field("meta", "name"), "Get: one");
        assert_eq!(b.field("get", "url"), "https://x.test/a?b={c}");
        let headers = b.rows_of("headers");
        assert_eq!(headers[0], Row { key: "x-off".into(), value: "1".into(), enabled: false });
        assert_eq!(headers[1].key, "a:b");
        assert_eq!(b.text_of("body:json"), "{\n  \"id\": 1\n}");
        let lists: Vec<_> = b.iter().filter(|x| x.name == "vars:secret").map(|x| x.body.clone()).collect();
        assert_eq!(lists[0], Body::List(vec!["token".into(), "password".into()]));
        assert_eq!(lists[1], Body::List(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn multi_line_values() {
        let b = parse("vars:pre-request {\n  note: '''\n    one\n    two\n  '''\n  after: 3\n}\n");
        assert_eq!(b.field("vars:pre-request", "note"), "one\ntwo");
        assert_eq!(b.field("vars:pre-request", "after"), "3");
    }

    #[test]
    fn cut_and_odd_text_never_panics() {
        let full = "meta {\n  name: é\n}\nget {\n  url: x\nbody:json {\n  {\"a\": 1}\n}\nvars:secret [\n  a";
        for end in 0..=full.len() {
            if full.is_char_boundary(end) {
                let _ = parse(&full[..end]);
            }
        }
        assert!(parse("}\n}\n[\n~\n:\n'''").is_empty());
        assert_eq!(parse("docs {\n\t\tindented é\n}").text_of("docs"), "indented é");
    }
}
