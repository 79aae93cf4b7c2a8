//! Token-bucket rate limiting, in memory, keyed by client address
//! (registrations) or install (every authenticated request). The limits
//! themselves are [`crate::limits::ServerLimits`].
//!
//! Each key keeps one instant (the generic cell rate algorithm's
//! "theoretical arrival time"), so a key costs a few dozen bytes; keys whose
//! bucket is full again are forgotten when room is needed, and at most
//! `max_keys` are kept. State is per process: behind a load balancer each
//! server limits on its own (a fleet of N lets N times the rate through).

use crate::limits::RateLimit;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The key client addresses are limited by: an IPv4 address as it is, an
/// IPv6 address by its /64 (one subscriber's prefix: its 2^64 addresses
/// are one client), an IPv4-mapped IPv6 address as the IPv4 one.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Token buckets keyed by `K`.
#[derive(Debug)]
pub struct RateLimiter<K> {
    limit: RateLimit,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter applying `limit` to each key, tracking at most `max_keys`.
    pub fn new(limit: RateLimit, max_keys: usize) -> Self {
        RateLimiter { limit, max_keys: max_keys.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// [`RateLimiter::check`] at `now` (for tests).
    pub fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let refill = self.limit.refill;
        let tolerance = refill.saturating_mul(self.limit.burst.saturating_sub(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            // Forget the keys whose bucket is full again: they are as if new.
            buckets.retain(|_, tat| *tat > now);
            if buckets.len() >= self.max_keys {
                return Err(refill.max(Duration::from_secs(1)));
            }
        }
        let tat = buckets.get(key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if self.limit.burst == 0 || ahead > tolerance {
            return Err(ahead.saturating_sub(tolerance).max(Duration::from_millis(1)));
        }
        buckets.insert(key.clone(), tat + refill);
        Ok(())
    }

    /// Keys tracked now.
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// A `Retry-After` value: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn a_burst_then_one_per_refill() {
        let limiter = RateLimiter::new(RateLimit::per_minute(20, 20), 10);
        let t0 = Instant::now();
        let allowed = (0..200).filter(|_| limiter.check_at(&"a", t0).is_ok()).count();
        assert_eq!(allowed, 20);
        let wait = limiter.check_at(&"a", t0).unwrap_err();
        assert_eq!(retry_after_secs(wait), 3);
        assert!(limiter.check_at(&"a", t0 + Duration::from_secs(3)).is_ok());
        assert!(limiter.check_at(&"a", t0 + Duration::from_secs(3)).is_err());
        // Another key has its own bucket.
        assert!(limiter.check_at(&"b", t0).is_ok());
    }

    #[test]
    fn memory_is_bounded_and_idle_keys_are_forgotten() {
        let limiter = RateLimiter::new(RateLimit::per_minute(60, 1), 2);
        let t0 = Instant::now();
        assert!(limiter.check_at(&1, t0).is_ok());
        assert!(limiter.check_at(&2, t0).is_ok());
        assert!(limiter.check_at(&3, t0).is_err(), "full: a third key waits");
        assert!(limiter.check_at(&3, t0 + Duration::from_secs(2)).is_ok(), "1 and 2 are idle again");
        assert!(limiter.tracked() <= 2);
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_prefix() {
        let key = |s: &str| limit_key(s.parse::<IpAddr>().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}
