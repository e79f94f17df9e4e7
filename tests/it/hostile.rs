//! The hostile-input table: servers that misbehave on the network and input that is wrong, each
//! row run through the binary, asserting the exit code and the kind of message (in words, no
//! panic, no raw library text), within a deadline so a hang fails instead of stalling.

use crate::reliability::{DEADLINE, run_within, text};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;

/// How a loopback server misbehaves once a request has arrived.
#[derive(Debug, Clone, Copy)]
enum Server {
    /// Nothing listens on the port.
    Closed,
    /// Takes the connection, reads the request, never answers.
    Hangs,
    /// Answers plain HTTP where the client speaks TLS.
    PlainWhereTlsIsSpoken,
    /// A response head of 100 MB (one header that never ends).
    HugeHeaders,
    /// Random bytes instead of HTTP.
    Garbage,
}

/// Start the server; returns its port.
fn start(server: Server) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    if matches!(server, Server::Closed) {
        return port; // dropped: the port is closed again
    }
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 16 * 1024];
                let _ = stream.read(&mut request);
                match server {
                    Server::Closed => {}
                    Server::Hangs => std::thread::sleep(DEADLINE),
                    Server::PlainWhereTlsIsSpoken => {
                        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                    }
                    Server::HugeHeaders => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nX-Big: ");
                        let chunk = vec![b'a'; 64 * 1024];
                        for _ in 0..1600 {
                            if stream.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                    }
                    Server::Garbage => {
                        let noise: Vec<u8> =
                            (0..4096u32).map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1]).collect();
                        let _ = stream.write_all(&noise);
                    }
                }
            });
        }
    });
    port
}

#[rstest::rstest]
#[case::refused_port(Server::Closed, "http", "refused the connection")]
#[case::a_server_that_hangs(Server::Hangs, "http", "No answer within 1 second")]
#[case::tls_to_a_plain_port(Server::PlainWhereTlsIsSpoken, "https", "answered without TLS")]
#[case::a_100_mb_header_block(Server::HugeHeaders, "http", "sent headers too large to read")]
#[case::garbage(Server::Garbage, "http", "did not answer in HTTP")]
fn a_misbehaving_server_is_named_in_words(#[case] server: Server, #[case] scheme: &str, #[case] words: &str) {
    let port = start(server);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("{scheme}://127.0.0.1:{port}");
    let add = run_within(dir.path(), &["profile", "add", "Odd", "--base-url", &base], None, &[], DEADLINE);
    assert_eq!(add.status.code(), Some(0), "{}", text(&add.stderr));
    let out = run_within(dir.path(), &["send", "--profile", "Odd", "--timeout", "1", "/v1/me"], None, &[], DEADLINE);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{server:?}: {said}");
    assert!(said.contains(words), "{server:?}: {said}");
    for raw in ["client error", "SendRequest", "hyper", "reqwest", "panicked", "RUST_BACKTRACE"] {
        assert!(!said.contains(raw), "{server:?}: library words in the message: {said}");
    }
}

#[rstest::rstest]
#[case::an_empty_profile_name(&["profile", "add", "", "--base-url", "https://a.example.com"], None, "name")]
#[case::an_ftp_base_url(&["profile", "add", "F", "--base-url", "ftp://files.example.com"], None, "http")]
#[case::a_header_with_no_name(&["send", "--profile", "Nobody", "-H", ": value", "/x"], None, "")]
#[case::a_har_that_is_not_json(&["explain", "-"], Some(&b"{\"log\": {\"entries\": [ {"[..]), "not valid JSON")]
#[case::a_har_without_entries(&["explain", "-"], Some(&b"{\"log\": {}}"[..]), "not a HAR file")]
#[case::a_curl_command_that_is_not_one(&["curl", "import", "-"], Some(&b"wget https://a.example.com"[..]), "curl")]
fn wrong_input_is_refused_in_words(#[case] args: &[&str], #[case] stdin: Option<&[u8]>, #[case] words: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = run_within(dir.path(), args, stdin, &[], DEADLINE);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {said}{}", text(&out.stdout));
    assert!(said.to_lowercase().contains(&words.to_lowercase()), "{args:?}: {said}");
    assert!(!said.contains("panicked") && !said.contains("Gatepass hit a bug"), "{args:?}: {said}");
}
