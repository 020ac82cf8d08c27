pub mod auth;
pub mod csrf;
pub mod security_headers;
