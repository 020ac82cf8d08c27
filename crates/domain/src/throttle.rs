//! Login throttling: how many recent failures lock an account or an address.
//!
//! Failures are stored in the database (so several server processes agree);
//! this module only decides.

pub const WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allow,
    /// Locked; retry after this many seconds.
    Locked {
        retry_after_secs: i64,
    },
}

/// `account_failures` / `address_failures`: failures inside the window;
/// `oldest_failure_at`: the oldest counted failure (unix seconds).
pub fn decide(
    account_failures: i64,
    address_failures: i64,
    oldest_failure_at: Option<i64>,
    now: i64,
) -> Throttle {
    if account_failures >= MAX_FAILURES_PER_ACCOUNT || address_failures >= MAX_FAILURES_PER_ADDRESS
    {
        let retry = oldest_failure_at
            .map(|t| (t + WINDOW_SECS - now).max(1))
            .unwrap_or(WINDOW_SECS);
        Throttle::Locked {
            retry_after_secs: retry,
        }
    } else {
        Throttle::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_at_thresholds() {
        assert_eq!(decide(4, 19, Some(0), 10), Throttle::Allow);
        assert_eq!(
            decide(5, 0, Some(100), 200),
            Throttle::Locked {
                retry_after_secs: WINDOW_SECS - 100
            }
        );
        assert!(matches!(decide(0, 20, None, 0), Throttle::Locked { .. }));
    }
}
