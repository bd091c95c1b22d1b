//! Reading Blender's output: the frame it is on, sample counts, and each saved frame.

/// Something worth reporting in a line of Blender's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Blender works on this frame (`Fra:12 …`).
    Frame(i64),
    /// Blender saved a frame to this file (`Saved: '…'`).
    Saved(String),
}

/// Parses one line of Blender's output.
pub fn parse_line(line: &str) -> Option<Progress> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("Saved:") {
        let path = rest.trim().trim_matches(['\'', '"']);
        return (!path.is_empty()).then(|| Progress::Saved(path.to_owned()));
    }
    let rest = line.strip_prefix("Fra:")?;
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok().map(Progress::Frame)
}

/// A short activity line from a `Fra:` line: the frame and, when present, the sample count
/// or the stage Blender reports after the last `|`.
pub fn activity(line: &str) -> String {
    let line = line.trim();
    let frame = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .replace("Fra:", "frame ");
    let stage = line.rsplit('|').next().map(str::trim).unwrap_or_default();
    if stage.is_empty() || stage == line {
        frame
    } else {
        format!("{frame}: {stage}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_frames_samples_and_saves() {
        let fra = "Fra:12 Mem:54.21M (Peak 60.00M) | Time:00:01.20 | Remaining:00:03.10 | Mem:8.2M | Scene, ViewLayer | Sample 16/128";
        assert_eq!(parse_line(fra), Some(Progress::Frame(12)));
        assert_eq!(activity(fra), "frame 12: Sample 16/128");
        assert_eq!(
            parse_line("Saved: '/tmp/render/frame_0012.png'"),
            Some(Progress::Saved("/tmp/render/frame_0012.png".into()))
        );
        assert_eq!(parse_line(" Time: 00:01.35 (Saving: 00:00.02)"), None);
        assert_eq!(parse_line("Blender 3.4.1"), None);
    }
}
