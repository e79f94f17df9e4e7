//! Split a pasted command into shell words, the way a POSIX shell (or Windows `cmd`) would before
//! curl sees them: single and double quotes, `$'…'` strings, backslash and caret continuations,
//! `#` comments, and the operators that end a command (`|`, `;`, `&&`, `>`, `<`, a line that
//! starts another `curl`).
//!
//! It owns only the shell's rules, so the option reader next to it sees exactly the words curl
//! would get. Nothing is expanded: `$VAR` and `$(…)` stay as typed, since a paste has no shell.

use super::CurlError;

/// One shell word, or an operator that ends the command (`|`, `;`, `&&`, `>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Operator(String),
}

/// Split a pasted command into shell words: single quotes, double quotes with backslash escapes,
/// `$'…'` strings, `\` line continuations (and `^` ones for Windows commands), `#` comments.
pub fn tokenize(input: &str) -> Result<Vec<Token>, CurlError> {
    let windows = input.contains("^\n") || input.contains("^\r\n");
    let chars: Vec<char> = if windows { strip_carets(input) } else { input.chars().collect() };
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let position = |index: usize| -> (usize, usize) {
        let before = &chars[..index];
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let column = before.iter().rev().take_while(|c| **c != '\n').count() + 1;
        (line, column)
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => i += 2,
                    // "\ " starting a word is a line continuation whose line break was lost in the
                    // copy (chat apps and some web pages flatten lines): read it as a space.
                    Some(' ' | '\t') if !in_word => i += 1,
                    Some('\r') if chars.get(i + 2) == Some(&'\n') => i += 3,
                    Some(next) => {
                        word.push(*next);
                        in_word = true;
                        i += 2;
                    }
                    None => i += 1,
                }
                continue;
            }
            '\'' => {
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "single (')", line, column });
                        }
                        Some('\'') => break,
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            '$' if chars.get(i + 1) == Some(&'\'') => {
                let start = i;
                i += 2;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "$'…' (')", line, column });
                        }
                        Some('\'') => break,
                        Some('\\') => {
                            i += 1;
                            i += ansi_escape(&chars, i, &mut word);
                            continue;
                        }
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            // PowerShell ends a continued line with a backtick.
            '`' if matches!(chars.get(i + 1), Some('\n'))
                || (chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n')) =>
            {
                i += if chars.get(i + 1) == Some(&'\r') { 3 } else { 2 };
                continue;
            }
            // A command substitution (`…` or $(…)) is one word to the shell; kept as typed.
            '`' | '$' if c == '`' || chars.get(i + 1) == Some(&'(') => {
                let (open, close) = if c == '`' { ('`', '`') } else { ('(', ')') };
                let mut depth = 0usize;
                let mut j = if c == '`' { i + 1 } else { i + 2 };
                word.push(c);
                if c == '$' {
                    word.push('(');
                }
                while let Some(&ch) = chars.get(j) {
                    word.push(ch);
                    j += 1;
                    if ch == close && depth == 0 {
                        break;
                    }
                    if open != close && ch == open {
                        depth += 1;
                    } else if open != close && ch == close {
                        depth -= 1;
                    }
                }
                in_word = true;
                i = j;
                continue;
            }
            '"' => {
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "double (\")", line, column });
                        }
                        Some('"') => break,
                        Some('\\') => match chars.get(i + 1) {
                            Some('\n') => i += 1,
                            Some(next @ ('"' | '\\' | '$' | '`')) => {
                                word.push(*next);
                                i += 1;
                            }
                            _ => word.push('\\'),
                        },
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '|' | ';' | '&' | '>' | '<' => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                let mut op = c.to_string();
                if let Some(next) = chars.get(i + 1)
                    && (*next == c || (c == '&' && *next == '>'))
                {
                    op.push(*next);
                    i += 1;
                }
                tokens.push(Token::Operator(op));
                i += 1;
                continue;
            }
            c if c.is_whitespace() => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                // A line break ends a command. A paste often breaks a long command over lines
                // without the backslashes a shell needs, so only a line that starts another curl
                // command is read as a new command; any other line continues this one.
                if c == '\n' && starts_curl_command(&chars[i + 1..]) {
                    tokens.push(Token::Operator("\n".to_owned()));
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    if in_word {
        tokens.push(Token::Word(word));
    }
    Ok(tokens)
}

/// What the shell would fill in before curl runs: `$NAME`, `${NAME}`, `$(command)` and
/// `` `command` `` outside single quotes, as typed. A paste has no shell, so these stay as text.
pub fn shell_expansions(input: &str) -> Vec<String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_double = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => i += 2,
            '\'' if !in_double => {
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_double = !in_double;
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'\'') && !in_double => {
                // $'…' is quoting, not an expansion.
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '`' if matches!(chars.get(i + 1), Some('\n' | '\r')) => i += 2,
            '$' | '`' => {
                let start = i;
                let end = match (c, chars.get(i + 1)) {
                    ('`', _) => chars[i + 1..].iter().position(|&c| c == '`').map_or(chars.len(), |p| i + 2 + p),
                    (_, Some('(')) => chars[i + 1..].iter().position(|&c| c == ')').map_or(chars.len(), |p| i + 2 + p),
                    (_, Some('{')) => chars[i + 1..].iter().position(|&c| c == '}').map_or(chars.len(), |p| i + 2 + p),
                    (_, Some(d)) if d.is_ascii_digit() => i + 2,
                    (_, Some(n)) if n.is_ascii_alphabetic() || *n == '_' => {
                        i + 1 + chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').count()
                    }
                    _ => i + 1,
                };
                if end > start + 1 {
                    let text: String = chars[start..end.min(chars.len())].iter().collect();
                    if !out.contains(&text) {
                        out.push(text);
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether the text after a line break starts with the word `curl` (after blanks or a prompt).
fn starts_curl_command(rest: &[char]) -> bool {
    let text: String = rest.iter().take(64).collect();
    let text = text.trim_start_matches([' ', '\t']);
    let text = ["$ ", "% ", "> "].iter().find_map(|p| text.strip_prefix(p)).unwrap_or(text).trim_start();
    let word: String = text.chars().take_while(|c| !c.is_whitespace()).collect();
    let program = word.rsplit(['/', '\\']).next().unwrap_or(&word).to_ascii_lowercase();
    program == "curl" || program == "curl.exe"
}

/// A Windows (cmd) command: `^` before a line break continues the line, and before any other
/// character makes it plain (`^"` is a quote mark curl sees).
fn strip_carets(input: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            Some('\n') | None => {}
            Some(next) => out.push(next),
        }
    }
    out
}

/// Read one escape of a `$'…'` string starting at `chars[i]` (after the backslash); returns how
/// many characters it used.
fn ansi_escape(chars: &[char], i: usize, out: &mut String) -> usize {
    let Some(c) = chars.get(i) else { return 0 };
    let hex = |len: usize| -> (Option<char>, usize) {
        let digits: String = chars[i + 1..].iter().take(len).take_while(|c| c.is_ascii_hexdigit()).collect();
        let used = digits.len();
        (u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32), used)
    };
    match c {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        '0' => out.push('\0'),
        'x' => {
            let (ch, used) = hex(2);
            if let Some(ch) = ch {
                out.push(ch);
            }
            return 1 + used;
        }
        'u' => {
            let (ch, used) = hex(4);
            if let Some(ch) = ch {
                out.push(ch);
            }
            return 1 + used;
        }
        other => out.push(*other),
    }
    1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn words(input: &str) -> Vec<String> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| match t {
                Token::Word(w) | Token::Operator(w) => w,
            })
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        assert_eq!(
            words("curl 'a b' \"c \\\"d\\\" $e\" f\\ g \\\n  -H $'x\\ty'"),
            ["curl", "a b", "c \"d\" $e", "f g", "-H", "x\ty"]
        );
        assert_eq!(words("curl ^\n  -H ^\"A: b^\" ^\n  x"), ["curl", "-H", "A: b", "x"]);
        assert_eq!(words("curl x | jq ."), ["curl", "x", "|", "jq", "."]);
        // A continuation whose line break was lost in the copy.
        assert_eq!(words("curl x \\  -H 'A: b' \\ -k"), ["curl", "x", "-H", "A: b", "-k"]);
    }

    #[test]
    fn a_line_that_starts_curl_is_another_command() {
        assert_eq!(
            words("curl a  # first\ncurl b\n  $ curl c"),
            ["curl", "a", "\n", "curl", "b", "\n", "$", "curl", "c"]
        );
        // Any other line continues the command, as the person who pasted it meant.
        assert_eq!(words("curl a\n  -H 'X: y'\n  https://b.test"), ["curl", "a", "-H", "X: y", "https://b.test"]);
        // Inside quotes a line break is part of the word.
        assert_eq!(words("curl -d 'x\ncurl y' z"), ["curl", "-d", "x\ncurl y", "z"]);
    }

    #[test]
    fn what_the_shell_would_fill_in_is_found() {
        assert_eq!(
            shell_expansions("curl -H \"Authorization: Bearer $TOKEN\" '$NOT' $'$no' ${HOME}/x $(cat k) `id` $1 $"),
            ["$TOKEN", "${HOME}", "$(cat k)", "`id`", "$1"]
        );
    }

    #[test]
    fn powershell_continuations() {
        assert_eq!(
            words("curl.exe -X POST `\n  -H \"X: y\" `\r\n  https://a.test"),
            ["curl.exe", "-X", "POST", "-H", "X: y", "https://a.test"]
        );
        assert!(shell_expansions("curl `\n -H x").is_empty());
    }

    #[test]
    fn command_substitutions_are_one_word() {
        assert_eq!(
            words("curl x < `echo my file` -H $(cat h (x).txt)y"),
            ["curl", "x", "<", "`echo my file`", "-H", "$(cat h (x).txt)y"]
        );
    }

    #[test]
    fn unclosed_quote_says_where() {
        assert_eq!(
            tokenize("curl \\\n  -d 'abc").unwrap_err(),
            CurlError::UnclosedQuote { quote: "single (')", line: 2, column: 6 }
        );
    }
}
