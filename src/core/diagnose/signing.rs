//! What a signed request says of where it was meant to go: an AWS Signature V4 credential scope
//! (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`, in the Authorization header or a presigned
//! URL's `X-Amz-Credential`) names the region the signature is good for, and AWS hosts name theirs
//! (`sigv4::region_of_host`, the same reading the profile's check before sending uses).

use super::Cause;
use super::findings::Board;
use super::observe::SentRequest;

/// The credential scope of a Signature V4 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningScope {
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Read the scope from `Credential=…` in the Authorization header, else from the URL's
/// `X-Amz-Credential`; the access key ID before it is not kept.
pub(super) fn scope_of(headers: &[(String, String)], url: Option<&url::Url>) -> Option<SigningScope> {
    let from_header = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .find_map(|(_, v)| v.split("Credential=").nth(1).map(|c| c.split([',', ' ']).next().unwrap_or("").to_owned()));
    let scope = from_header.or_else(|| {
        url?.query_pairs().find(|(n, _)| n.eq_ignore_ascii_case("x-amz-credential")).map(|(_, v)| v.into_owned())
    })?;
    let parts: Vec<&str> = scope.trim().split('/').collect();
    // KEY/DATE/REGION/SERVICE/aws4_request.
    let [_, date, region, service, terminator] = parts.as_slice() else { return None };
    if !terminator.eq_ignore_ascii_case("aws4_request") {
        return None;
    }
    Some(SigningScope { date: (*date).to_owned(), region: (*region).to_owned(), service: (*service).to_owned() })
}

/// A signature made for one region and sent to another's address is refused whatever else is
/// right: the scope names the region the key was signed for.
pub(super) fn read_signing_scope(request: &SentRequest, board: &mut Board) {
    let Some(scope) = &request.signing_scope else { return };
    let Some(region) = crate::core::auth::sigv4::region_of_host(&request.host) else { return };
    if scope.region.eq_ignore_ascii_case(&region) {
        return;
    }
    board.auth_signal = true;
    board.facts.signed_region = Some((scope.region.clone(), region.clone()));
    board.request_root_cause.get_or_insert(Cause::WrongAudience);
    board.add(
        Cause::WrongAudience,
        0.86,
        Some(format!(
            "Signed for the region {} (credential scope {}/{}/{}); the address {} is in {region}",
            scope.region, scope.date, scope.region, scope.service, request.host
        )),
        Some(format!(
            "The request was signed for the region {}, but it went to an address in {region}. AWS accepts a signature only in the region it was made for.",
            scope.region
        )),
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(url: &str, authorization: Option<&str>) -> SentRequest {
        let parsed = url::Url::parse(url).unwrap();
        let headers: Vec<(String, String)> =
            authorization.map(|a| ("Authorization".to_owned(), a.to_owned())).into_iter().collect();
        SentRequest {
            method: "GET".into(),
            url: url.into(),
            host: parsed.host_str().unwrap().into(),
            path: parsed.path().into(),
            signing_scope: scope_of(&headers, Some(&parsed)),
            headers,
            credentials: Vec::new(),
            grant_type: None,
        }
    }

    #[test]
    fn the_scope_is_read_from_the_header_or_a_presigned_url() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE7Q2M4N6B8/20240606/eu-west-1/es/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab12";
        let scope = request("https://search-x.us-east-1.es.amazonaws.com/", Some(header)).signing_scope.unwrap();
        assert_eq!(scope, SigningScope { date: "20240606".into(), region: "eu-west-1".into(), service: "es".into() });
        let presigned = "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE7Q2M4N6B8%2F20190523%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Date=20190523T210000Z";
        assert_eq!(request(presigned, None).signing_scope.unwrap().region, "ap-south-1");
        assert_eq!(request("https://api.example.com/", Some("Bearer abc")).signing_scope, None);
        // Through the observer, whose headers are masked: the scope is read before.
        let headers = vec![("Authorization".to_owned(), header.to_owned())];
        let seen = super::super::observe::observe(
            super::super::Knowledge::builtin(),
            "GET",
            "https://search-x.us-east-1.es.amazonaws.com/",
            &headers,
            None,
        );
        assert_eq!(seen.signing_scope.map(|s| s.region).as_deref(), Some("eu-west-1"));
        assert!(!format!("{:?}", seen.headers).contains("AKIAEXAMPLE7Q2M4N6B8"));
    }

    #[test]
    fn a_scope_for_another_region_is_the_root_cause_and_the_same_region_says_nothing() {
        let header = |region: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240606/{region}/es/aws4_request, SignedHeaders=host, Signature=00"
            )
        };
        let url = "https://search-x.us-east-1.es.amazonaws.com/_search";
        let mut board = Board::default();
        read_signing_scope(&request(url, Some(&header("eu-west-1"))), &mut board);
        assert_eq!(board.request_root_cause, Some(Cause::WrongAudience));
        let mut same = Board::default();
        read_signing_scope(&request(url, Some(&header("us-east-1"))), &mut same);
        assert!(same.signals.is_empty());
    }
}
