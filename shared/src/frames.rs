//! Frame ranges in Blender's syntax (`1-250`, `1-10,20,30-40`, `1..10`) and their split into
//! chunks, one chunk per task.
//!
//! Ranges stay ranges: a job of `1-100000000` is measured and refused without a billion-frame
//! vector ever being built.

use std::fmt;

/// Largest absolute frame number accepted; far above any real shot, small enough that no
/// arithmetic on frames can overflow.
pub const MAX_ABS_FRAME: i64 = 1_000_000_000;

/// Why a frame string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Nothing but spaces and commas.
    #[error("frames is empty; give a range such as `1-250` or `1-10,20,30-40`")]
    Empty,
    /// A part is not a number or a range.
    #[error("`{0}` is not a frame or a range; use `N`, `A-B` or `A..B`")]
    Syntax(String),
    /// `B` is smaller than `A` in `A-B`.
    #[error("range `{0}` ends before it starts")]
    Descending(String),
    /// A frame number beyond ±1,000,000,000.
    #[error("frame `{0}` is out of range")]
    OutOfRange(String),
    /// A chunk size of zero.
    #[error("chunk_size must be at least 1")]
    ZeroChunk,
}

/// A set of frames, kept as sorted, merged, inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSet {
    ranges: Vec<(i64, i64)>,
}

/// One chunk of consecutive frames, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// First frame.
    pub start: i64,
    /// Last frame.
    pub end: i64,
}

impl FrameSet {
    /// Parses Blender's frame syntax. Overlapping parts are merged: `1-10,5-15` is `1-15`.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let mut ranges = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            ranges.push(parse_part(part)?);
        }
        if ranges.is_empty() {
            return Err(FrameError::Empty);
        }
        ranges.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Ok(Self { ranges: merged })
    }

    /// How many frames the set holds.
    pub fn frame_count(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| (e - s + 1) as u64).sum()
    }

    /// How many chunks of at most `chunk_size` consecutive frames the set splits into.
    pub fn chunk_count(&self, chunk_size: u32) -> Result<u64, FrameError> {
        if chunk_size == 0 {
            return Err(FrameError::ZeroChunk);
        }
        let size = u64::from(chunk_size);
        Ok(self
            .ranges
            .iter()
            .map(|(s, e)| ((e - s + 1) as u64).div_ceil(size))
            .sum())
    }

    /// The chunks, in frame order. A chunk never spans a gap: `1-3,10` in chunks of 5 is
    /// `1-3` and `10-10`.
    pub fn chunks(&self, chunk_size: u32) -> Result<impl Iterator<Item = Chunk> + '_, FrameError> {
        if chunk_size == 0 {
            return Err(FrameError::ZeroChunk);
        }
        let size = i64::from(chunk_size);
        Ok(self.ranges.iter().flat_map(move |&(s, e)| {
            (s..=e).step_by(size as usize).map(move |start| Chunk {
                start,
                end: (start + size - 1).min(e),
            })
        }))
    }

    /// The merged ranges, sorted.
    pub fn ranges(&self) -> &[(i64, i64)] {
        &self.ranges
    }

    /// Whether every frame from `start` to `end` is in the set.
    pub fn contains_all(&self, start: i64, end: i64) -> bool {
        self.ranges.iter().any(|&(s, e)| s <= start && end <= e)
    }

    /// Whether some frame from `start` to `end` is in the set.
    pub fn contains_any(&self, start: i64, end: i64) -> bool {
        self.ranges.iter().any(|&(s, e)| s <= end && start <= e)
    }

    /// The frames of the set outside every range of `taken` (inclusive ranges, in any
    /// order), or `None` when none is left.
    pub fn without(&self, taken: &[(i64, i64)]) -> Option<Self> {
        let mut taken = taken.to_vec();
        taken.sort_unstable();
        let mut left = Vec::new();
        for &(start, end) in &self.ranges {
            let mut from = start;
            for &(s, e) in &taken {
                if e < from || s > end {
                    continue;
                }
                if s > from {
                    left.push((from, s - 1));
                }
                from = from.max(e.saturating_add(1));
                if from > end {
                    break;
                }
            }
            if from <= end {
                left.push((from, end));
            }
        }
        (!left.is_empty()).then_some(Self { ranges: left })
    }
}

impl fmt::Display for FrameSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (s, e)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if s == e {
                write!(f, "{s}")?;
            } else {
                write!(f, "{s}-{e}")?;
            }
        }
        Ok(())
    }
}

fn parse_part(part: &str) -> Result<(i64, i64), FrameError> {
    let (a, b) = if let Some((a, b)) = part.split_once("..") {
        (a.trim(), Some(b.trim()))
    } else {
        // The separating '-' is the first one after a digit, so `-5--1` reads as -5 to -1.
        let bytes = part.as_bytes();
        match (1..bytes.len()).find(|&i| bytes[i] == b'-' && bytes[i - 1].is_ascii_digit()) {
            Some(i) => (part[..i].trim(), Some(part[i + 1..].trim())),
            None => (part, None),
        }
    };
    let start = parse_frame(a, part)?;
    let end = match b {
        Some(b) => parse_frame(b, part)?,
        None => start,
    };
    if end < start {
        return Err(FrameError::Descending(part.to_owned()));
    }
    Ok((start, end))
}

fn parse_frame(text: &str, part: &str) -> Result<i64, FrameError> {
    let valid = !text.is_empty()
        && text
            .strip_prefix('-')
            .unwrap_or(text)
            .bytes()
            .all(|b| b.is_ascii_digit())
        && text != "-";
    if !valid {
        return Err(FrameError::Syntax(part.to_owned()));
    }
    match text.parse::<i64>() {
        Ok(n) if n.abs() <= MAX_ABS_FRAME => Ok(n),
        _ => Err(FrameError::OutOfRange(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str, size: u32) -> Vec<(i64, i64)> {
        FrameSet::parse(text)
            .unwrap()
            .chunks(size)
            .unwrap()
            .map(|c| (c.start, c.end))
            .collect()
    }

    #[test]
    fn frames_left_outside_taken_ranges() {
        let set = FrameSet::parse("1-10,20-25").unwrap();
        let left = |taken: &[(i64, i64)]| set.without(taken).map(|s| s.ranges().to_vec());
        assert_eq!(left(&[]), Some(vec![(1, 10), (20, 25)]));
        assert_eq!(
            left(&[(3, 4), (1, 1)]),
            Some(vec![(2, 2), (5, 10), (20, 25)])
        );
        assert_eq!(left(&[(8, 22)]), Some(vec![(1, 7), (23, 25)]));
        assert_eq!(left(&[(0, 30)]), None);
        assert_eq!(left(&[(1, 10), (20, 25)]), None);
        assert_eq!(left(&[(11, 19)]), Some(vec![(1, 10), (20, 25)]));
        assert!(set.contains_all(2, 9) && !set.contains_all(9, 11));
        assert!(set.contains_any(9, 11) && !set.contains_any(11, 19));
    }

    #[test]
    fn parses_blender_syntax() {
        assert_eq!(FrameSet::parse("1-250").unwrap().ranges(), &[(1, 250)]);
        assert_eq!(
            FrameSet::parse("1-10,20,30-40").unwrap().ranges(),
            &[(1, 10), (20, 20), (30, 40)]
        );
        assert_eq!(
            FrameSet::parse(" 1..3 , 7 ").unwrap().ranges(),
            &[(1, 3), (7, 7)]
        );
        assert_eq!(FrameSet::parse("-5--1").unwrap().ranges(), &[(-5, -1)]);
        assert_eq!(FrameSet::parse("-3-2").unwrap().ranges(), &[(-3, 2)]);
    }

    #[test]
    fn merges_overlaps_and_neighbours() {
        let set = FrameSet::parse("5-15,1-10,16").unwrap();
        assert_eq!(set.ranges(), &[(1, 16)]);
        assert_eq!(set.to_string(), "1-16");
        assert_eq!(set.frame_count(), 16);
    }

    #[test]
    fn refuses_bad_input_with_the_reason() {
        assert_eq!(FrameSet::parse(" , "), Err(FrameError::Empty));
        assert_eq!(
            FrameSet::parse("1-a"),
            Err(FrameError::Syntax("1-a".into()))
        );
        assert_eq!(FrameSet::parse("1-"), Err(FrameError::Syntax("1-".into())));
        assert_eq!(FrameSet::parse("x"), Err(FrameError::Syntax("x".into())));
        assert_eq!(
            FrameSet::parse("10-1"),
            Err(FrameError::Descending("10-1".into()))
        );
        assert!(matches!(
            FrameSet::parse("1-99999999999"),
            Err(FrameError::OutOfRange(_))
        ));
    }

    #[test]
    fn chunks_never_span_a_gap() {
        assert_eq!(chunks("1-10,20", 5), vec![(1, 5), (6, 10), (20, 20)]);
        assert_eq!(chunks("1-7", 3), vec![(1, 3), (4, 6), (7, 7)]);
        assert_eq!(chunks("1-3,10", 5), vec![(1, 3), (10, 10)]);
        let set = FrameSet::parse("1-10,20").unwrap();
        assert_eq!(set.chunk_count(5), Ok(3));
        assert_eq!(set.chunk_count(0), Err(FrameError::ZeroChunk));
    }

    #[test]
    fn counts_huge_ranges_without_building_them() {
        let set = FrameSet::parse("1-1000000000").unwrap();
        assert_eq!(set.chunk_count(1), Ok(1_000_000_000));
    }
}
