//! Facts about this host for heartbeats: OS, cores, memory, load, the GPU where `nvidia-smi`
//! answers, and the power the host draws where it can be measured: the CPU packages' RAPL
//! energy counters (Linux powercap; readable by root on recent kernels) and the GPUs'
//! `nvidia-smi` power draw. The farm history estimates the draw of hosts without either.

use drover_shared::protocol::HostFacts;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use sysinfo::System;

/// Where Linux shows the RAPL energy counters.
const POWERCAP: &str = "/sys/class/powercap";

/// Reads host facts; keeps the GPU answer from the first call (it does not change).
pub struct Host {
    system: System,
    gpu: Option<(String, u64)>,
    /// The RAPL packages' counters at the last reading, for the draw between two.
    rapl: Option<(Instant, Vec<u64>)>,
}

impl Host {
    /// Probes the host once, the GPU included.
    pub fn new() -> Self {
        Self {
            system: System::new(),
            gpu: nvidia_gpu(),
            rapl: None,
        }
    }

    /// The facts now.
    pub fn facts(&mut self) -> HostFacts {
        self.system.refresh_memory();
        let os = System::long_os_version().unwrap_or_else(|| std::env::consts::OS.to_owned());
        HostFacts {
            os,
            hostname: System::host_name().unwrap_or_default(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            memory_total_bytes: self.system.total_memory(),
            memory_used_bytes: self.system.used_memory(),
            load_1m: System::load_average().one,
            gpu_name: self.gpu.as_ref().map(|g| g.0.clone()),
            gpu_memory_bytes: self.gpu.as_ref().map(|g| g.1),
            power_watts: self.power_watts(),
        }
    }

    /// What the host draws now: the CPU packages since the last reading plus the GPUs;
    /// `None` when neither can be measured (the first reading of RAPL gives no draw yet).
    fn power_watts(&mut self) -> Option<f64> {
        let cpu = self.rapl_watts(Path::new(POWERCAP));
        let gpu = self.gpu.as_ref().and_then(|_| nvidia_power());
        match (cpu, gpu) {
            (None, None) => None,
            (cpu, gpu) => Some(cpu.unwrap_or(0.0) + gpu.unwrap_or(0.0)),
        }
    }

    fn rapl_watts(&mut self, root: &Path) -> Option<f64> {
        let zones = rapl_packages(root);
        let now = Instant::now();
        let counters: Option<Vec<(u64, u64)>> = zones.iter().map(|z| read_zone(z)).collect();
        let counters = counters.filter(|c| !c.is_empty())?;
        let energy: Vec<u64> = counters.iter().map(|c| c.0).collect();
        let previous = self.rapl.replace((now, energy.clone()));
        let (then, before) = previous?;
        let secs = now.duration_since(then).as_secs_f64();
        if secs <= 0.0 || before.len() != energy.len() {
            return None;
        }
        let joules: f64 = counters
            .iter()
            .zip(&before)
            .map(|((now, range), before)| energy_delta(*before, *now, *range) as f64 / 1e6)
            .sum();
        Some(joules / secs)
    }
}

/// The RAPL package zones (`intel-rapl:0`, `intel-rapl:1`…; not their sub-zones, which the
/// packages already count).
fn rapl_packages(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut zones: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("intel-rapl:") && n.matches(':').count() == 1)
        })
        .collect();
    zones.sort();
    zones
}

/// A zone's energy counter and the value it wraps at, in microjoules.
fn read_zone(zone: &Path) -> Option<(u64, u64)> {
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(zone.join(name))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some((
        read("energy_uj")?,
        read("max_energy_range_uj").unwrap_or(u64::MAX),
    ))
}

/// Microjoules between two readings of a counter that wraps at `range`.
fn energy_delta(before: u64, now: u64, range: u64) -> u64 {
    if now >= before {
        now - before
    } else {
        range.saturating_sub(before).saturating_add(now)
    }
}

/// The GPUs' power draw summed, from `nvidia-smi`.
fn nvidia_power() -> Option<f64> {
    let output = Command::new("nvidia-smi")
        .args(["--query-gpu=power.draw", "--format=csv,noheader,nounits"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_nvidia_power(&String::from_utf8_lossy(&output.stdout))
}

fn parse_nvidia_power(text: &str) -> Option<f64> {
    let draws: Vec<f64> = text
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .filter(|w| w.is_finite() && *w >= 0.0)
        .collect();
    (!draws.is_empty()).then(|| draws.iter().sum())
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

/// The first NVIDIA GPU's name and memory, from `nvidia-smi`.
fn nvidia_gpu() -> Option<(String, u64)> {
    let output = Command::new("nvidia-smi")
        .args([
            "--query-gpu=name,memory.total",
            "--format=csv,noheader,nounits",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_nvidia_smi(&String::from_utf8_lossy(&output.stdout))
}

fn parse_nvidia_smi(text: &str) -> Option<(String, u64)> {
    let line = text.lines().next()?;
    let (name, mib) = line.rsplit_once(',')?;
    Some((
        name.trim().to_owned(),
        mib.trim().parse::<u64>().ok()? * 1024 * 1024,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_host_and_parses_nvidia_smi() {
        let facts = Host::new().facts();
        assert!(facts.cores >= 1);
        assert!(facts.memory_total_bytes > 0);
        assert_eq!(
            parse_nvidia_smi("NVIDIA GeForce RTX 4090, 24564\n"),
            Some(("NVIDIA GeForce RTX 4090".into(), 24564 * 1024 * 1024))
        );
        assert_eq!(parse_nvidia_smi(""), None);
    }

    #[test]
    fn gpu_draws_are_summed_and_unsupported_ones_skipped() {
        assert_eq!(parse_nvidia_power("215.33\n98.10\n"), Some(313.43));
        assert_eq!(parse_nvidia_power("[N/A]\n"), None);
        assert_eq!(parse_nvidia_power(""), None);
    }

    #[test]
    fn rapl_packages_give_the_draw_between_two_readings_across_a_wrap() {
        let root = tempfile::tempdir().unwrap();
        let zone = |name: &str, energy: u64| {
            let dir = root.path().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("energy_uj"), format!("{energy}\n")).unwrap();
            std::fs::write(dir.join("max_energy_range_uj"), "1000000000\n").unwrap();
        };
        zone("intel-rapl:0", 999_000_000);
        zone("intel-rapl:1", 10_000_000);
        // A sub-zone (the cores of package 0) is already in its package's count.
        zone("intel-rapl:0:0", 5);
        let mut host = Host {
            system: System::new(),
            gpu: None,
            rapl: None,
        };
        assert_eq!(
            host.rapl_watts(root.path()),
            None,
            "one reading gives no draw"
        );
        // Pretend the first reading was two seconds ago.
        let (_, before) = host.rapl.take().unwrap();
        let then = Instant::now()
            .checked_sub(std::time::Duration::from_secs(2))
            .unwrap();
        host.rapl = Some((then, before));
        // Package 0 wrapped: 1 J to the top, 99 J after; package 1 drew 100 J.
        zone("intel-rapl:0", 99_000_000);
        zone("intel-rapl:1", 110_000_000);
        let watts = host.rapl_watts(root.path()).unwrap();
        assert!((watts - 100.0).abs() < 1.0, "{watts} W");
        assert_eq!(energy_delta(10, 4, 12), 6);
        assert!(host.rapl_watts(Path::new("/no/such/powercap")).is_none());
    }
}
