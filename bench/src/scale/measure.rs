//! What `scale` measures besides the HTTP answers: latency histograms shared by thousands of
//! tasks, error counts, and the server process's CPU time, descriptors and limits read from
//! `/proc`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Values below this many microseconds get a bucket each; above, 64 buckets per power of
/// two (under 1.6 % error), so one histogram spans a microsecond to days.
const LINEAR_US: u64 = 128;
const BUCKETS: usize = 64 * 64;

/// A latency histogram that thousands of tasks add to at once without a lock: ten thousand
/// workers' vectors of samples would cost the load generator memory and a merge, and the
/// event delays of a thousand dashboards run to millions.
pub struct Histogram {
    buckets: Vec<AtomicU64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Histogram {
    /// Adds one sample.
    pub fn record(&self, value: Duration) {
        let us = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket(us).min(BUCKETS - 1)].fetch_add(1, Ordering::Relaxed);
    }

    /// Samples so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The `q` quantile (0–1) in milliseconds, `NaN` without samples.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return f64::NAN;
        }
        let rank = ((total - 1) as f64 * q).round() as u64;
        let mut seen = 0;
        for (index, count) in counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                return lower_bound_us(index) as f64 / 1000.0;
            }
        }
        f64::NAN
    }
}

fn bucket(us: u64) -> usize {
    if us < LINEAR_US {
        return us as usize;
    }
    // Keep the 7 highest bits: the mantissa is in 64..128, the shift picks the row.
    let shift = 63 - u64::from(us.leading_zeros()) - 6;
    (shift * 64 + (us >> shift)) as usize
}

fn lower_bound_us(index: usize) -> u64 {
    if (index as u64) < LINEAR_US {
        return index as u64;
    }
    let shift = index as u64 / 64 - 1;
    (index as u64 - shift * 64) << shift
}

/// Failures by kind (`claim: 503`, `worker connect: …`): rare, so one lock is enough.
#[derive(Default)]
pub struct Errors {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl Errors {
    /// Counts one failure of kind `what`.
    pub fn add(&self, what: impl Into<String>) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry(what.into()).or_default() += 1;
    }

    /// `kind: n, …`, or `none`.
    pub fn summary(&self) -> String {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.is_empty() {
            return "none".into();
        }
        counts
            .iter()
            .map(|(what, n)| format!("{what}: {n}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// User plus system CPU time of process `pid` so far, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields are counted after its last `)`,
    // where field 3 (state) comes first, so utime (14) and stime (15) are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (user + system) as f64 / ticks_per_sec()? as f64,
    ))
}

/// CPU time the whole machine has been busy (all cores, every process), from `/proc/stat`:
/// what is left after this program and the server is other work sharing the cores, which
/// makes a run's figures lower than the machine's.
pub fn machine_busy_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq (then steal, the hypervisor's, not ours): busy
    // is all of the first seven but idle and iowait.
    let busy = ticks.iter().take(7).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(Duration::from_secs_f64(
        busy as f64 / ticks_per_sec()? as f64,
    ))
}

fn ticks_per_sec() -> Option<u64> {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|t| *t > 0)
}

/// Files process `pid` holds open (its connections among them).
pub fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// The soft limit on open files of process `pid`, from `/proc/<pid>/limits`.
pub fn open_file_limit(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Raises this process's open-file limit as the server raises its own (the child inherits
/// it), and says what is in force. Ten thousand workers and a thousand streams are as many
/// sockets on each side.
pub fn raise_own_open_file_limit(needed: u64) -> String {
    use nix::sys::resource::{Resource, getrlimit};
    let before = getrlimit(Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .ok();
    let raised = drover_server::serve::raise_open_file_limit();
    let now = getrlimit(Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .ok();
    let mut line = match (raised, before, now) {
        (Err(e), _, now) => format!(
            "bench {} (could not raise it: {e})",
            now.map_or("?".into(), |n| n.to_string())
        ),
        (Ok(_), Some(before), Some(now)) if now > before => {
            format!("bench {now} (raised from {before})")
        }
        (Ok(_), _, now) => format!("bench {}", now.map_or("?".into(), |n| n.to_string())),
    };
    if now.is_some_and(|n| n < needed) {
        line = format!("{line} — BELOW the {needed} this run needs: expect connection failures");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_continuous_and_close() {
        let mut last = 0;
        for us in [
            0,
            1,
            127,
            128,
            129,
            255,
            256,
            1000,
            65_535,
            1_000_000,
            3_600_000_000,
        ] {
            let index = bucket(us);
            assert!(index >= last, "{us}");
            last = index;
            let low = lower_bound_us(index);
            assert!(low <= us && us - low <= us / 64, "{us} → {low}");
        }
        assert_eq!(bucket(127) + 1, bucket(128));
    }

    #[test]
    fn quantiles() {
        let h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        assert_eq!(h.count(), 100);
        assert!((h.quantile_ms(0.5) - 50.0).abs() < 1.0);
        assert!((h.quantile_ms(0.99) - 99.0).abs() < 2.0);
    }
}
