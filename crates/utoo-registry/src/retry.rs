use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use utoo_config::{Config, Settings};

use crate::RegistryError;

/// The retry budget of one fetch (every request and body read of it): npm's `fetch-retries`
/// retries of a connection error, a cut-off or stalled body, a 429 or a 5xx.
pub struct Retries {
    config: Arc<Config>,
    attempts: u32,
}

impl Retries {
    pub(crate) fn new(config: Arc<Config>) -> Retries {
        Retries {
            config,
            attempts: 0,
        }
    }

    /// Requests made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn attempted(&mut self) {
        self.attempts += 1;
    }

    /// After a failed attempt: sleeps the backoff and returns true when `error` is worth
    /// another attempt and the budget has one left, else returns false at once.
    pub async fn wait(&mut self, error: &RegistryError) -> bool {
        let settings = self.config.settings();
        if !error.is_transient() || self.attempts > settings.fetch_retries {
            return false;
        }
        let delay = delay(
            settings,
            self.attempts.saturating_sub(1),
            error.retry_after(),
        );
        tracing::debug!(attempts = self.attempts, ?delay, error = %error, "retrying");
        tokio::time::sleep(delay).await;
        true
    }
}

/// The wait before retry `n` (0-based): npm's `retry` module with `randomize`, i.e.
/// `min × factor^n × r` for a random `r` in [1, 2), capped at `fetch-retry-maxtimeout`, so
/// many clients failing at once do not come back at once. A server's `Retry-After` wins
/// when it asks for longer, capped the same way.
pub(crate) fn delay(settings: &Settings, n: u32, retry_after: Option<Duration>) -> Duration {
    let base = settings.retry_delay(n);
    let jittered = base.mul_f64(1.0 + random_unit());
    jittered
        .max(retry_after.unwrap_or_default())
        .min(settings.fetch_retry_maxtimeout)
}

// A number in [0, 1) from the standard library's per-process random hash keys.
fn random_unit() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` header's delay in seconds (the HTTP-date form is ignored: the backoff
/// applies then).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(values: &[(&str, &str)]) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = utoo_config::ConfigSources {
            project_dir: dir.path().to_owned(),
            ..Default::default()
        };
        sources
            .overrides
            .insert("registry".into(), "http://127.0.0.1:1/".into());
        for (k, v) in values {
            sources.overrides.insert((*k).into(), (*v).into());
        }
        Config::load(&sources).unwrap().settings().clone()
    }

    #[test]
    fn the_backoff_is_jittered_within_one_to_two_times_and_capped() {
        let s = settings(&[
            ("fetch-retry-mintimeout", "100"),
            ("fetch-retry-factor", "10"),
            ("fetch-retry-maxtimeout", "5000"),
        ]);
        let firsts: Vec<Duration> = (0..50).map(|_| delay(&s, 0, None)).collect();
        for d in &firsts {
            assert!(*d >= Duration::from_millis(100) && *d < Duration::from_millis(200));
        }
        assert!(
            firsts.iter().any(|d| *d != firsts[0]),
            "50 waits, all equal: no jitter"
        );
        let second = delay(&s, 1, None);
        assert!(second >= Duration::from_secs(1) && second < Duration::from_secs(2));
        assert_eq!(delay(&s, 3, None), Duration::from_millis(5000));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_maximum() {
        let s = settings(&[
            ("fetch-retry-mintimeout", "10"),
            ("fetch-retry-maxtimeout", "3000"),
        ]);
        assert_eq!(
            delay(&s, 0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            delay(&s, 0, Some(Duration::from_secs(120))),
            Duration::from_secs(3)
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("soon"), None);
    }
}
