//! TEMPORARY STUB (replaced by the practice branch).
#![allow(missing_docs, clippy::unused_async)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeEnv {
    Sandbox,
    Production,
}
#[derive(Debug, Clone)]
pub struct PracticeConfig {
    pub host: std::net::IpAddr,
    pub sandbox_port: u16,
    pub production_port: u16,
    pub fallback_to_free_port: bool,
}
impl Default for PracticeConfig {
    fn default() -> Self {
        Self {
            host: std::net::IpAddr::from([127, 0, 0, 1]),
            sandbox_port: 7410,
            production_port: 7411,
            fallback_to_free_port: true,
        }
    }
}
pub struct PracticeServer;
#[derive(Debug, thiserror::Error)]
#[error("x")]
pub struct PracticeError;
impl PracticeServer {
    pub async fn start(_c: PracticeConfig) -> Result<PracticeServer, PracticeError> {
        Err(PracticeError)
    }
    pub fn base_url(&self, _e: PracticeEnv) -> String {
        String::new()
    }
    pub async fn shutdown(self) {}
}
pub struct DemoCredential {
    pub env: PracticeEnv,
    pub id: &'static str,
    pub label: &'static str,
    pub kind: DemoKind,
}
pub enum DemoKind {
    ApiKey { header: &'static str, value: &'static str },
    Basic { username: &'static str, password: &'static str },
    Bearer { scopes: &'static [&'static str] },
}
pub fn demo_credentials() -> Vec<DemoCredential> {
    vec![]
}
pub struct TokenSpec {
    pub subject: String,
    pub scopes: Vec<String>,
    pub expires_in_secs: i64,
    pub not_before_in_secs: i64,
    pub audience: Option<String>,
}
pub fn mint_token(_env: PracticeEnv, _spec: &TokenSpec) -> Result<String, PracticeError> {
    Err(PracticeError)
}
