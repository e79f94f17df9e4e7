//! Import a curl command, the way API documentation shows it, as a [`RequestDraft`] that sends
//! what curl sends.
//!
//! ```text
//! pasted text -> tokenize (shell words, commands)   tokenize.rs
//!             -> the curl command's options         options.rs  (curl's own option table)
//!             -> RequestDraft + notes + left_out    draft/      (built the way curl builds it:
//!                                                                address.rs, body.rs, headers)
//!             -> the credential it carried, out     found.rs    (offered to a profile;
//!                                                                detect.rs: is it a credential)
//! ```
//!
//! The credential a command carries (an `Authorization` header, `-u user:pass`, an API key
//! header or query parameter) is removed from the draft and returned as a [`Secret`] with a
//! suggested profile sign-in method, so the request uses the profile's credential instead and
//! the value ends up in the keychain, never in the request or its history.
//!
//! Pure: nothing is sent, and a file the command names (`-d @body.json`, `-T file`) is read only
//! through the [`Files`] the caller passes, which by default reads nothing. Whatever curl would
//! send that the draft does not carry is said in a note and named in `left_out`.
//!
//! [`Secret`]: crate::core::secret::Secret

mod detect;
mod draft;
mod found;
mod options;
mod shown;
mod tokenize;

pub use detect::credentials_in_draft;
pub(crate) use draft::split_query;
pub use found::{CredentialSource, FoundCredential, SuggestedAuth};
pub use shown::Shown;
pub use tokenize::{Token, shell_expansions, tokenize};

use crate::core::request::RequestDraft;

/// The longest paste Gatepass reads as a curl command (1 MiB).
pub const MAX_INPUT: usize = 1024 * 1024;

/// What a curl command turned into.
#[derive(Debug, Clone)]
pub struct CurlImport {
    /// The request, without the credential.
    pub draft: RequestDraft,
    /// The credentials found and taken out of the request, the main one first.
    pub credentials: Vec<FoundCredential>,
    /// Options left out or changed, in plain words.
    pub notes: Vec<String>,
    /// What curl would send that this request does not carry (a file's content, a second
    /// request after `--next`), each in a few words. Empty when the request is curl's.
    pub left_out: Vec<String>,
}

impl CurlImport {
    /// The credential to offer to a profile.
    pub fn credential(&self) -> Option<&FoundCredential> {
        self.credentials.first()
    }

    /// Whether the draft (with the credential in a profile) sends what curl would send.
    pub fn sends_what_curl_sends(&self) -> bool {
        self.left_out.is_empty()
    }
}

/// Why a paste could not be read as a curl command. No message holds a value from the paste
/// beyond an option name, a method, a scheme or a file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurlError {
    #[error("Nothing to read. Paste a curl command as API documentation shows it: it starts with curl.")]
    Empty,
    #[error(
        "This is not a curl command: it starts with \"{first_word}\". Paste a command that starts with curl, as API documentation shows it."
    )]
    NotCurl { first_word: String },
    #[error(
        "A {quote} quote opened on line {line}, column {column} is never closed. Check that the command was copied whole."
    )]
    UnclosedQuote { quote: &'static str, line: usize, column: usize },
    #[error("The command has no URL. Add the address to call, such as https://api.example.com/v1/me.")]
    NoUrl,
    #[error("The option {option} needs a value after it, and there is none.")]
    MissingValue { option: String },
    #[error("Gatepass cannot send the method \"{method}\". Use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.")]
    UnsupportedMethod { method: String },
    #[error("The paste is too long to be a curl command ({size} bytes; the most Gatepass reads is 1 MiB).")]
    TooLong { size: usize },
    #[error(
        "The command calls a {scheme}:// address. Gatepass sends HTTP requests only: use an http:// or https:// address."
    )]
    NotHttp { scheme: String },
    #[error("The command only asks curl for its help or version ({option}); it sends no request.")]
    NoRequest { option: String },
}

/// Why a file a command names was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    /// Reading files was not allowed (the default: a paste may name any file on the computer).
    NotAllowed,
    /// It could not be read; the reason in words, without the file's content.
    Unreadable { reason: String },
    /// It is larger than an import takes.
    TooLarge { bytes: u64, limit: u64 },
}

/// How an import may read the files a command names (`-d @body.json`, `-T photo.png`,
/// `-H @headers.txt`). Core reads no files itself: the front end decides, and asks the person.
pub trait Files {
    /// The content of the file at `path` (as the command names it), or why it was not read.
    fn read(&self, path: &str) -> Result<Vec<u8>, FileRefusal>;
}

/// Reads no file: what a paste in the window or `curl import` without permission gets.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _path: &str) -> Result<Vec<u8>, FileRefusal> {
        Err(FileRefusal::NotAllowed)
    }
}

/// Read a pasted curl command into a request and the credential it carried. Reads no file.
pub fn import(input: &str) -> Result<CurlImport, CurlError> {
    import_with(input, &NoFiles)
}

/// Like [`import`], reading the files the command names through `files`.
pub fn import_with(input: &str, files: &dyn Files) -> Result<CurlImport, CurlError> {
    if input.len() > MAX_INPUT {
        return Err(CurlError::TooLong { size: input.len() });
    }
    let tokens = tokenize(input.trim_start())?;
    let command = find_curl_command(tokens)?;
    let mut notes = command.notes;
    let mut config = |path: &str| -> Option<Vec<String>> {
        let bytes = files.read(path).ok()?;
        String::from_utf8(bytes).ok().map(|text| options::config_words(&text))
    };
    let words = options::read(&command.words[1..], &mut config)?;
    for unknown in &words.unknown {
        // `--name=value`: only the name, since the value may be anything.
        let name = unknown.split('=').next().unwrap_or(unknown);
        notes.push(format!("Gatepass does not know the option {}, so it was left out.", shorten(name)));
    }
    let mut left_out = Vec::new();
    let requests: Vec<&Vec<options::Item>> = words.operations.iter().filter(|op| !op.is_empty()).collect();
    let Some(first) = requests.first() else { return Err(CurlError::NoUrl) };
    if requests.len() > 1 {
        notes.push(format!(
            "The command makes {} requests, one after another (--next). Gatepass imported the first; import the others one at a time.",
            requests.len()
        ));
        left_out.push(match requests.len() - 1 {
            1 => "the request after --next".to_owned(),
            n => format!("the {n} requests after --next"),
        });
    }
    let built = draft::build(first, files, &command.stdin)?;
    notes.extend(built.notes);
    left_out.extend(built.left_out);
    let expansions = shell_expansions(input);
    if !expansions.is_empty() {
        let shown: Vec<String> = expansions.iter().take(4).map(|e| shorten(e)).collect();
        notes.push(format!(
            "The command uses {} that only your shell knows ({}). A paste has no shell, so Gatepass kept {} as typed: put the real value in its place (a credential goes into the profile).",
            if expansions.len() == 1 { "a shell variable" } else { "shell variables" },
            shown.join(", "),
            if expansions.len() == 1 { "it" } else { "them" }
        ));
        left_out.push(format!("the value of {}", shown.join(", ")));
    }
    let mut seen = std::collections::HashSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Ok(CurlImport { draft: built.draft, credentials: built.credentials, notes, left_out })
}

/// One command of a shell line: its words, its redirections (`<` and the word after it), and the
/// operator that ends it (`|`, `;`, `&&`, a line break).
type ShellCommand = (Vec<String>, Vec<(String, String)>, Option<String>);

/// The curl command in a paste, and what the shell line around it says.
struct Command {
    words: Vec<String>,
    stdin: draft::Stdin,
    notes: Vec<String>,
}

/// Find the (first) curl command among the commands of a shell line: `echo … | curl …`,
/// `curl … | jq`, `curl … > out.json`, `curl … < body.json`, several commands on their lines.
fn find_curl_command(tokens: Vec<Token>) -> Result<Command, CurlError> {
    // Split into commands at `|`, `;`, `&&`, `||`, `&` and line breaks; redirections stay with
    // their command and take the word after them.
    let mut commands: Vec<ShellCommand> = vec![(Vec::new(), Vec::new(), None)];
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let Some(current) = commands.last_mut() else { break };
        match token {
            Token::Word(word) => current.0.push(word),
            Token::Operator(op) if matches!(op.as_str(), "<" | ">" | ">>" | "&>" | "<<") => {
                // `2>` is read as the word "2" and `>`: the number names a stream, not a URL.
                if current.0.last().is_some_and(|w| w.len() == 1 && w.chars().all(|c| c.is_ascii_digit())) {
                    current.0.pop();
                }
                let target = match tokens.peek() {
                    Some(Token::Word(_)) => match tokens.next() {
                        Some(Token::Word(w)) => w,
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                current.1.push((op, target));
            }
            Token::Operator(op) => {
                current.2 = Some(op);
                commands.push((Vec::new(), Vec::new(), None));
            }
        }
    }
    commands.retain(|(words, redirects, _)| !words.is_empty() || !redirects.is_empty());
    let Some(first) = commands.first() else { return Err(CurlError::Empty) };
    let is_curl = |words: &[String]| -> Option<usize> {
        // A shell prompt copied with the command: "$ curl …".
        let skip = usize::from(words.first().is_some_and(|w| matches!(w.as_str(), "$" | "%" | ">" | "#")));
        let program = words.get(skip)?;
        let name = program.rsplit(['/', '\\']).next().unwrap_or(program).to_ascii_lowercase();
        (name == "curl" || name == "curl.exe").then_some(skip)
    };
    let Some((index, skip)) = commands.iter().enumerate().find_map(|(i, (w, _, _))| is_curl(w).map(|s| (i, s))) else {
        let first_word: String = first.0.first().map(|w| w.chars().take(40).collect()).unwrap_or_default();
        return Err(CurlError::NotCurl { first_word });
    };
    let (words, redirects, after) = commands[index].clone();
    let mut notes = Vec::new();
    let mut stdin = draft::Stdin::default();
    if index > 0 && commands[index - 1].2.as_deref() == Some("|") {
        notes.push(format!(
            "The command gets its standard input from \"{}\" through a pipe (|), which Gatepass does not run.",
            shorten(&commands[index - 1].0.join(" "))
        ));
    }
    for (op, target) in &redirects {
        match op.as_str() {
            "<" => stdin.file = Some(target.clone()),
            "<<" => notes.push(
                "The command reads its standard input from a here-document (<<), which Gatepass does not carry."
                    .to_owned(),
            ),
            _ => {}
        }
    }
    let rest: Vec<&ShellCommand> = commands[index + 1..].iter().collect();
    if !rest.is_empty() {
        let rest_words: Vec<String> = rest.iter().map(|(w, _, _)| w.join(" ")).collect();
        let shown = format!(" (\"{}\")", shorten(&rest_words.join(" ")));
        match after.as_deref() {
            Some("|") => notes.push(format!(
                "The part after \"|\"{shown} tells the shell what to do with curl's answer. It is not part of the request, so it was left out."
            )),
            _ => notes.push(format!(
                "The paste holds more than one command; Gatepass imported the first curl command and left out the rest{shown}."
            )),
        }
    }
    if redirects.iter().any(|(op, _)| op.starts_with('>') || op == "&>") {
        notes.push(
            "The part after \">\" tells the shell where to save curl's answer. It is not part of the request, so it was left out."
                .to_owned(),
        );
    }
    Ok(Command { words: words[skip..].to_vec(), stdin, notes })
}

pub(crate) fn shorten(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests;
