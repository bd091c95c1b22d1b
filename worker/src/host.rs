//! Facts about this host for heartbeats: OS, cores, memory, load, and the GPU where
//! `nvidia-smi` answers.

use drover_shared::protocol::HostFacts;
use std::process::Command;
use sysinfo::System;

/// Reads host facts; keeps the GPU answer from the first call (it does not change).
pub struct Host {
    system: System,
    gpu: Option<(String, u64)>,
}

impl Host {
    /// Probes the host once, the GPU included.
    pub fn new() -> Self {
        Self {
            system: System::new(),
            gpu: nvidia_gpu(),
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
        }
    }
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
}
