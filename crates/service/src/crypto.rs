//! Random secrets and hashing. Session ids and API tokens are stored only as
//! SHA-256 digests, passwords only as Argon2id hashes.

use crate::ServiceConfig;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use password_hash::SaltString;
use sha2::{Digest, Sha256};

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS random source failing is not recoverable for a security product.
    getrandom::getrandom(&mut buf).expect("operating system random source");
    hex(&buf)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// A one-time password: 14 characters without look-alikes, always with
/// lower case, upper case and digits so it passes the policy.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut buf = [0u8; 14];
    getrandom::getrandom(&mut buf).expect("operating system random source");
    buf.iter()
        .enumerate()
        .map(|(i, b)| {
            let set = match i % 3 {
                0 => LOWER,
                1 => UPPER,
                _ => DIGIT,
            };
            set[usize::from(*b) % set.len()] as char
        })
        .collect()
}

fn argon2(cfg: &ServiceConfig) -> Argon2<'static> {
    let params =
        Params::new(cfg.argon2_memory_kib, cfg.argon2_iterations, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(cfg: &ServiceConfig, password: &str) -> String {
    let salt = SaltString::generate(&mut password_hash::rand_core::OsRng);
    argon2(cfg)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .expect("argon2 hashing with valid parameters")
}

pub fn verify_password(cfg: &ServiceConfig, password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2(cfg)
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_pass_policy_and_differ() {
        let a = one_time_password();
        let b = one_time_password();
        assert_ne!(a, b);
        assert!(meizhen_domain::password::check_policy("admin", &a).is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let cfg = ServiceConfig {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            ..Default::default()
        };
        let h = hash_password(&cfg, "Secret-123");
        assert!(verify_password(&cfg, "Secret-123", &h));
        assert!(!verify_password(&cfg, "secret-123", &h));
        assert!(!verify_password(&cfg, "x", "not a hash"));
    }
}
