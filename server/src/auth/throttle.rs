//! Throttles on guessing, fail2ban style: passwords (at login and when a person changes
//! theirs) and second factors (TOTP codes, recovery codes, security-key answers); and on
//! e-mails asked for without a session, which every request spends.
//!
//! Each attempt is counted against three budgets at once:
//! - the **account and address** pair ([`PAIR`]): five wrong guesses at one account from one
//!   address lock that pair for a minute, so a typo-prone owner, or an attacker, waits there;
//! - the **address** ([`ADDRESS`]): an address that guesses at many accounts is locked for all
//!   of them;
//! - the **account** ([`ACCOUNT`], [`FACTOR_ACCOUNT`]) only at a much higher count, against
//!   guessing spread over many addresses; the addresses the account last logged in from
//!   successfully ([`KNOWN_FOR`]) are spared that lock, so an attacker elsewhere cannot lock
//!   the owner out.
//!
//! The account is the login as typed, trimmed and lower-cased (so ` Ann@X` is not a fresh
//! budget), whether or not such an account exists (so the throttle does not tell). Addresses
//! are the peer's (see [`client_ip`]); IPv6 ones count per /64, which one host usually holds.
//!
//! An attempt takes its share of each budget when it **starts** ([`Throttle::begin`]) and
//! gives it back if it turns out right: a hundred guesses sent at once cannot all slip in
//! before the first failure is counted, and cannot keep the password hasher busy.

use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How many failures within `window` lock a key, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failures (and attempts in progress) that lock.
    pub max_failures: u32,
    /// The window failures are counted in.
    pub window: Duration,
    /// How long the key stays locked.
    pub lock: Duration,
}

/// One account from one address: five wrong guesses in a minute lock the pair for a minute.
pub const PAIR: Limit = Limit {
    max_failures: 5,
    window: Duration::from_mins(1),
    lock: Duration::from_mins(1),
};
/// One address, whatever account it tries: twenty wrong guesses in a minute lock it for five.
pub const ADDRESS: Limit = Limit {
    max_failures: 20,
    window: Duration::from_mins(1),
    lock: Duration::from_mins(5),
};
/// One account's password from everywhere: fifty wrong guesses in fifteen minutes lock it
/// for fifteen (but not from its known addresses).
pub const ACCOUNT: Limit = Limit {
    max_failures: 50,
    window: Duration::from_mins(15),
    lock: Duration::from_mins(15),
};
/// One person's second factor from everywhere: ten wrong codes in fifteen minutes lock it for
/// fifteen. Only someone who has the password (or a session) gets this far, and a TOTP guess
/// succeeds once in about 333,000.
pub const FACTOR_ACCOUNT: Limit = Limit {
    max_failures: 10,
    window: Duration::from_mins(15),
    lock: Duration::from_mins(15),
};
/// One mailbox from everywhere: five e-mails asked for in fifteen minutes lock it for
/// fifteen, however many addresses ask.
pub const MAIL_ACCOUNT: Limit = Limit {
    max_failures: 5,
    window: Duration::from_mins(15),
    lock: Duration::from_mins(15),
};
/// How long an address an account logged in from is spared the account's lock.
pub const KNOWN_FOR: Duration = Duration::from_hours(720);
/// Known addresses remembered per account.
const KNOWN_PER_ACCOUNT: usize = 8;
/// Keys tracked before idle ones are forgotten; bounds memory under a flood of made-up logins.
const MAX_KEYS: usize = 100_000;

/// What is being guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A password: at login (the account is the login typed) or when a person changes theirs
    /// (the account is their id).
    Password,
    /// A second factor (the account is the person's id).
    Factor,
    /// A playlist's share link: its token, then its password (the account is the token).
    ShareLink,
    /// E-mails asked for without a session (password resets, login codes; the account is
    /// the address typed): every request counts, sent or not, so nobody floods a mailbox.
    Mail,
}

impl Scope {
    fn account_limit(self) -> Limit {
        match self {
            Self::Password | Self::ShareLink => ACCOUNT,
            Self::Factor => FACTOR_ACCOUNT,
            Self::Mail => MAIL_ACCOUNT,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Password => "failed logins",
            Self::Factor => "wrong second factors",
            Self::ShareLink => "wrong share links or passwords",
            Self::Mail => "e-mails asked for",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(Scope, String, IpAddr),
    Address(Scope, IpAddr),
    Account(Scope, String),
}

impl Key {
    fn limit(&self) -> Limit {
        match self {
            Self::Pair(..) => PAIR,
            Self::Address(..) => ADDRESS,
            Self::Account(scope, _) => scope.account_limit(),
        }
    }

    fn refusal(&self, wait: Duration) -> ApiError {
        let secs = wait.as_secs() + 1;
        ApiError::TooManyRequests(match self {
            Self::Pair(scope, ..) => format!(
                "too many {} for this account from your address; try again in {secs} s",
                scope.what()
            ),
            Self::Address(scope, _) => format!(
                "too many {} from your address; try again in {secs} s",
                scope.what()
            ),
            Self::Account(scope, _) => format!(
                "too many {} for this account; try again in {secs} s, or from an address \
                 it logged in from before",
                scope.what()
            ),
        })
    }
}

#[derive(Debug, Default)]
struct Counter {
    window_start: Option<Instant>,
    failures: u32,
    pending: u32,
    locked_until: Option<Instant>,
}

impl Counter {
    /// How long until another attempt may start, if it may not now.
    fn wait(&self, now: Instant, limit: Limit) -> Option<Duration> {
        if let Some(until) = self.locked_until.filter(|u| *u > now) {
            return Some(until - now);
        }
        let failures = if self.window_expired(now, limit) {
            0
        } else {
            self.failures
        };
        // Attempts in progress hold their share: they may yet fail.
        (failures + self.pending >= limit.max_failures).then(|| {
            self.window_start
                .filter(|_| failures > 0)
                .map_or(Duration::from_secs(1), |start| {
                    (start + limit.window).saturating_duration_since(now)
                })
        })
    }

    fn window_expired(&self, now: Instant, limit: Limit) -> bool {
        self.window_start
            .is_none_or(|start| now.saturating_duration_since(start) > limit.window)
    }

    fn fail(&mut self, now: Instant, limit: Limit) {
        if self.window_expired(now, limit) {
            self.window_start = Some(now);
            self.failures = 0;
        }
        self.failures += 1;
        if self.failures >= limit.max_failures {
            self.locked_until = Some(now + limit.lock);
            self.failures = 0;
            self.window_start = None;
        }
    }

    fn is_idle(&self, now: Instant, limit: Limit) -> bool {
        self.pending == 0
            && self.locked_until.is_none_or(|u| u <= now)
            && (self.failures == 0 || self.window_expired(now, limit))
    }
}

#[derive(Default)]
struct Inner {
    counters: HashMap<Key, Counter>,
    known: HashMap<String, Vec<(IpAddr, Instant)>>,
}

/// The throttles of one server.
#[derive(Default)]
pub struct Throttle {
    inner: Mutex<Inner>,
}

/// An attempt in progress: it holds its share of each budget until it is settled. Dropped
/// unsettled (the handler failed or was cancelled), it counts as a failure.
#[must_use = "settle the attempt with `failed` or `succeeded`"]
pub struct Attempt {
    throttle: Arc<Throttle>,
    keys: Vec<Key>,
    settled: bool,
}

impl Attempt {
    /// The guess was wrong: it counts against every budget.
    pub fn failed(mut self) {
        self.settle(false);
    }

    /// The guess could not be checked (the server was busy, or nothing was offered): it
    /// gives its share back and counts for nothing.
    pub fn abandoned(mut self) {
        self.settled = true;
        let mut inner = self.throttle.lock();
        for key in &self.keys {
            if let Some(counter) = inner.counters.get_mut(key) {
                counter.pending = counter.pending.saturating_sub(1);
            }
        }
    }

    /// The guess was right: it gives its share back, and the pair's earlier failures are
    /// forgotten. (The address's and the account's are not: an attacker's own account would
    /// otherwise reset them.)
    pub fn succeeded(mut self) {
        self.settle(true);
    }

    fn settle(&mut self, right: bool) {
        if self.settled {
            return;
        }
        self.settled = true;
        let now = Instant::now();
        let mut inner = self.throttle.lock();
        for key in &self.keys {
            let Some(counter) = inner.counters.get_mut(key) else {
                // Forgotten while the table was full: nothing to give back or add to.
                continue;
            };
            counter.pending = counter.pending.saturating_sub(1);
            if !right {
                counter.fail(now, key.limit());
            } else if matches!(key, Key::Pair(..)) {
                *counter = Counter {
                    pending: counter.pending,
                    ..Counter::default()
                };
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.settle(false);
    }
}

impl Throttle {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change is a few field writes: a panic elsewhere leaves the map usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an attempt at `account` from `addr`; 429 while one of its budgets is spent.
    pub fn begin(
        self: &Arc<Self>,
        scope: Scope,
        account: &str,
        addr: IpAddr,
    ) -> ApiResult<Attempt> {
        self.begin_at(scope, account, addr, Instant::now())
    }

    fn begin_at(
        self: &Arc<Self>,
        scope: Scope,
        account: &str,
        addr: IpAddr,
        now: Instant,
    ) -> ApiResult<Attempt> {
        let (account, addr) = (normalise(account), client_ip(addr));
        let mut inner = self.lock();
        let known = inner.known.get(&account).is_some_and(|seen| {
            seen.iter()
                .any(|(a, at)| *a == addr && now.saturating_duration_since(*at) < KNOWN_FOR)
        });
        let mut keys = vec![
            Key::Pair(scope, account.clone(), addr),
            Key::Address(scope, addr),
        ];
        if !known {
            keys.push(Key::Account(scope, account));
        }
        for key in &keys {
            if let Some(wait) = inner
                .counters
                .get(key)
                .and_then(|c| c.wait(now, key.limit()))
            {
                return Err(key.refusal(wait));
            }
        }
        if inner.counters.len() + keys.len() > MAX_KEYS {
            inner
                .counters
                .retain(|key, counter| !counter.is_idle(now, key.limit()));
        }
        for key in &keys {
            if let Some(counter) = inner.counters.get_mut(key) {
                counter.pending += 1;
            } else if inner.counters.len() < MAX_KEYS {
                inner.counters.insert(
                    key.clone(),
                    Counter {
                        pending: 1,
                        ..Counter::default()
                    },
                );
            }
            // Else a flood of live keys fills the table: this key goes uncounted rather than
            // memory growing without bound; the others still hold.
        }
        drop(inner);
        Ok(Attempt {
            throttle: Arc::clone(self),
            keys,
            settled: false,
        })
    }

    /// For a guess too cheap to hold a share while it is checked (a share link's token,
    /// looked up by its index, which a page asks for many times at once): 429 while a budget
    /// is spent, without counting anything; a wrong guess is then counted with
    /// [`Throttle::wrong`].
    pub fn check(&self, scope: Scope, account: &str, addr: IpAddr) -> ApiResult<()> {
        let now = Instant::now();
        let (account, addr) = (normalise(account), client_ip(addr));
        let inner = self.lock();
        for key in [
            Key::Pair(scope, account.clone(), addr),
            Key::Address(scope, addr),
            Key::Account(scope, account),
        ] {
            if let Some(wait) = inner
                .counters
                .get(&key)
                .and_then(|c| c.wait(now, key.limit()))
            {
                return Err(key.refusal(wait));
            }
        }
        Ok(())
    }

    /// Counts a wrong guess checked with [`Throttle::check`] against its budgets.
    pub fn wrong(self: &Arc<Self>, scope: Scope, account: &str, addr: IpAddr) {
        // An attempt begun and failed at once: the same counting as any other guess. When a
        // budget is spent already there is nothing more to count.
        if let Ok(attempt) = self.begin(scope, account, addr) {
            attempt.failed();
        }
    }

    /// Notes that `account` logged in from `addr`: from there it is spared the account lock
    /// for [`KNOWN_FOR`].
    pub fn remember(&self, account: &str, addr: IpAddr) {
        let now = Instant::now();
        let (account, addr) = (normalise(account), client_ip(addr));
        let mut inner = self.lock();
        if inner.known.len() >= MAX_KEYS && !inner.known.contains_key(&account) {
            inner.known.retain(|_, seen| {
                seen.retain(|(_, at)| now.saturating_duration_since(*at) < KNOWN_FOR);
                !seen.is_empty()
            });
            if inner.known.len() >= MAX_KEYS {
                return;
            }
        }
        let seen = inner.known.entry(account).or_default();
        seen.retain(|(a, _)| *a != addr);
        if seen.len() >= KNOWN_PER_ACCOUNT {
            seen.remove(0);
        }
        seen.push((addr, now));
    }
}

/// The account key of a login: trimmed and lower-cased.
pub fn normalise(login: &str) -> String {
    login.trim().to_lowercase()
}

/// The address an attempt is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its
/// /64 network.
pub fn client_ip(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn fail(t: &Arc<Throttle>, account: &str, addr: IpAddr, now: Instant) {
        t.begin_at(Scope::Password, account, addr, now)
            .unwrap()
            .failed();
    }

    #[test]
    fn the_pair_locks_at_its_fifth_failure_and_not_the_owner_elsewhere() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        for _ in 0..PAIR.max_failures - 1 {
            fail(&t, "ann@x", AWAY, now);
        }
        // Just under the limit: a fifth attempt may start.
        fail(&t, " ANN@x ", AWAY, now);
        // At the limit: the pair is locked, padded or not…
        let err = t
            .begin_at(Scope::Password, "Ann@X", AWAY, now)
            .err()
            .unwrap();
        assert!(matches!(err, ApiError::TooManyRequests(_)), "{err}");
        assert!(err.to_string().contains("from your address"), "{err}");
        // …but the owner logs in from elsewhere, another account from there is fine, and a
        // second factor is another budget.
        t.begin_at(Scope::Password, "ann@x", HOME, now)
            .unwrap()
            .succeeded();
        t.begin_at(Scope::Password, "bob@x", AWAY, now)
            .unwrap()
            .succeeded();
        t.begin_at(Scope::Factor, "ann@x", AWAY, now)
            .unwrap()
            .succeeded();
        // The lock lifts after its minute.
        let later = now + PAIR.lock + Duration::from_millis(1);
        t.begin_at(Scope::Password, "ann@x", AWAY, later)
            .unwrap()
            .succeeded();
    }

    #[test]
    fn attempts_in_progress_hold_their_share() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        let held: Vec<Attempt> = (0..PAIR.max_failures)
            .map(|_| t.begin_at(Scope::Password, "ann@x", AWAY, now).unwrap())
            .collect();
        assert!(t.begin_at(Scope::Password, "ann@x", AWAY, now).is_err());
        // A right guess gives its share back, and forgets the pair's failures.
        let mut held = held.into_iter();
        held.next().unwrap().succeeded();
        drop(held);
        t.begin_at(Scope::Password, "ann@x", AWAY, now)
            .unwrap()
            .succeeded();
    }

    #[test]
    fn an_address_guessing_many_accounts_is_locked() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        for i in 0..ADDRESS.max_failures - 1 {
            fail(&t, &format!("user{i}@x"), AWAY, now);
        }
        // Just under: one more may start; at the limit, none.
        t.begin_at(Scope::Password, "last@x", AWAY, now)
            .unwrap()
            .failed();
        let err = t
            .begin_at(Scope::Password, "new@x", AWAY, now)
            .err()
            .unwrap();
        assert!(err.to_string().contains("from your address"), "{err}");
        t.begin_at(Scope::Password, "new@x", HOME, now)
            .unwrap()
            .succeeded();
    }

    #[test]
    fn the_account_locks_at_a_high_count_but_spares_its_known_addresses() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        t.remember("ann@x", HOME);
        // Spread over many addresses, so neither pair nor address locks.
        let addr = |i: u32| IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + i));
        for i in 0..ACCOUNT.max_failures - 1 {
            fail(&t, "ann@x", addr(i), now);
        }
        t.begin_at(Scope::Password, "ann@x", addr(1000), now)
            .unwrap()
            .failed();
        let err = t
            .begin_at(Scope::Password, "ann@x", addr(1001), now)
            .err()
            .unwrap();
        assert!(err.to_string().contains("for this account;"), "{err}");
        t.begin_at(Scope::Password, "ann@x", HOME, now)
            .unwrap()
            .succeeded();
    }

    #[test]
    fn second_factors_lock_the_person_sooner() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        let addr = |i: u32| IpAddr::V4(std::net::Ipv4Addr::from(0x0c00_0000 + i));
        for i in 0..FACTOR_ACCOUNT.max_failures {
            t.begin_at(Scope::Factor, "person-id", addr(i), now)
                .unwrap()
                .failed();
        }
        let err = t
            .begin_at(Scope::Factor, "person-id", addr(99), now)
            .err()
            .unwrap();
        assert!(err.to_string().contains("wrong second factors"), "{err}");
    }

    #[test]
    fn a_dropped_attempt_counts_as_failed() {
        let t = Arc::new(Throttle::default());
        let now = Instant::now();
        for _ in 0..PAIR.max_failures {
            drop(t.begin_at(Scope::Password, "ann@x", AWAY, now).unwrap());
        }
        assert!(t.begin_at(Scope::Password, "ann@x", AWAY, now).is_err());
    }

    #[test]
    fn ipv6_addresses_count_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_ip(a), client_ip(b));
        assert_ne!(client_ip(a), client_ip(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_ip(mapped), HOME);
    }
}
