//! TEMPORARY STUB (replaced by the bodyview branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    Pretty,
    Raw,
}
#[derive(Debug)]
pub struct FormattedBody {
    pub text: String,
}
pub fn prepare(_content_type: Option<&str>, bytes: &[u8], _mode: ViewMode) -> FormattedBody {
    FormattedBody { text: String::from_utf8_lossy(bytes).into_owned() }
}
