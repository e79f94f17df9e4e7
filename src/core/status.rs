//! What an HTTP status code means, in the words Gatepass uses.

/// A short plain-words meaning for a status code.
pub fn meaning(code: u16) -> &'static str {
    match code {
        200 => "OK: the request worked",
        201 => "Created: the request worked and made something new",
        202 => "Accepted: the API will do it later",
        204 => "No content: it worked, with nothing to show",
        301 | 308 => "Moved: the address has changed for good",
        302 | 303 | 307 => "Redirect: the API pointed somewhere else",
        304 => "Not modified: nothing changed since last time",
        400 => "Bad request: the API could not understand the request",
        401 => "Unauthorized: the API did not accept who you are",
        403 => "Forbidden: the API knows who you are, but you are not allowed to do this",
        404 => "Not found: nothing at this address (or you may not see it)",
        405 => "Method not allowed at this address",
        408 => "The API gave up waiting for the request",
        409 => "Conflict with the current state",
        415 => "The API does not accept this kind of body",
        422 => "The API understood the request but the data is not valid",
        429 => "Too many requests: slow down and try again later",
        500 => "Server error: something broke on the API's side",
        502 => "Bad gateway: a server in between got a bad answer",
        503 => "Unavailable: the API is down or busy",
        504 => "Gateway timeout: a server in between gave up waiting",
        _ => match code / 100 {
            1 => "Informational",
            2 => "Success",
            3 => "Redirect",
            4 => "The request was not accepted",
            5 => "Server error on the API's side",
            _ => "Unknown status code",
        },
    }
}

/// Success means 2xx.
pub fn is_success(code: u16) -> bool {
    (200..300).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_codes_use_gatepass_words() {
        assert_eq!(meaning(401), "Unauthorized: the API did not accept who you are");
        assert_eq!(meaning(403), "Forbidden: the API knows who you are, but you are not allowed to do this");
        assert_eq!(meaning(418), "The request was not accepted");
        assert!(is_success(204) && !is_success(301));
    }
}
