//! What managers set on a render node: its sleep schedule, as Flamenco has it (on the days and
//! between the hours it names, the node does not take work: a workstation that renders at
//! night and on weekends), and its rated draw for the farm history's energy estimate.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The days as a schedule names them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mo", "tu", "we", "th", "fr", "sa", "su"];

/// `GET` and `PUT /workers/{id}/schedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerSchedule {
    /// The schedule is followed; off, the node is left as it is.
    pub active: bool,
    /// The days it sleeps on (`mo` … `su`); a window past midnight belongs to the day it
    /// starts on.
    pub days: Vec<String>,
    /// When it goes to sleep, `HH:MM` local time.
    pub start: String,
    /// When it wakes, `HH:MM` local time (before `start`: the next day).
    pub end: String,
    /// The local time's offset from UTC, in minutes (Paris in winter: 60).
    pub utc_offset_minutes: i32,
}

impl Default for WorkerSchedule {
    fn default() -> Self {
        Self {
            active: false,
            days: WEEKDAYS[..5].iter().map(|d| (*d).to_owned()).collect(),
            start: "09:00".into(),
            end: "18:00".into(),
            utc_offset_minutes: 0,
        }
    }
}

/// `PUT /workers/{id}/watts`: a render node's rated draw, or `null` for the farm's default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerWatts {
    /// Watts, 0–100,000.
    pub watts: Option<f64>,
}

/// Minutes after midnight of `HH:MM` (00:00–24:00).
pub fn minutes_of(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl WorkerSchedule {
    /// Why the schedule is not one the server takes, if it is not.
    pub fn check(&self) -> Result<(), String> {
        if let Some(day) = self.days.iter().find(|d| !WEEKDAYS.contains(&d.as_str())) {
            return Err(format!(
                "`{day}` is not a day; days: {}",
                WEEKDAYS.join(", ")
            ));
        }
        let (Some(start), Some(end)) = (minutes_of(&self.start), minutes_of(&self.end)) else {
            return Err("start and end are times, HH:MM".into());
        };
        if start == end {
            return Err("start and end are the same time: the window would be empty".into());
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return Err("the UTC offset is at most 14 hours either way".into());
        }
        Ok(())
    }

    /// Whether the node sleeps at `now`: its local day is listed and the time is in the
    /// window, or the window began the evening before on a listed day. An inactive or
    /// malformed schedule never sleeps.
    pub fn asleep_at(&self, now: OffsetDateTime) -> bool {
        if !self.active || self.check().is_err() {
            return false;
        }
        let (Some(start), Some(end)) = (minutes_of(&self.start), minutes_of(&self.end)) else {
            return false;
        };
        let local = now + time::Duration::minutes(i64::from(self.utc_offset_minutes));
        let minute = u32::from(local.hour()) * 60 + u32::from(local.minute());
        let today = local.weekday().number_days_from_monday() as usize;
        let yesterday = (today + 6) % 7;
        let listed = |day: usize| self.days.iter().any(|d| d == WEEKDAYS[day]);
        if start < end {
            listed(today) && (start..end).contains(&minute)
        } else {
            (listed(today) && minute >= start) || (listed(yesterday) && minute < end)
        }
    }

    /// "mo tu we th fr, 09:00–18:00", or "off".
    pub fn describe(&self) -> String {
        if !self.active {
            return "off".into();
        }
        format!("{}, {}–{}", self.days.join(" "), self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn schedule(days: &[&str], start: &str, end: &str, offset: i32) -> WorkerSchedule {
        WorkerSchedule {
            active: true,
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            start: start.into(),
            end: end.into(),
            utc_offset_minutes: offset,
        }
    }

    #[test]
    fn office_hours_on_weekdays_in_local_time() {
        let office = schedule(&["mo", "tu", "we", "th", "fr"], "09:00", "18:00", 60);
        // Monday 2026-03-02: 08:30 UTC is 09:30 in Paris.
        assert!(office.asleep_at(datetime!(2026-03-02 08:30 UTC)));
        assert!(
            !office.asleep_at(datetime!(2026-03-02 07:30 UTC)),
            "08:30 local"
        );
        assert!(
            !office.asleep_at(datetime!(2026-03-02 17:00 UTC)),
            "18:00 local: awake"
        );
        assert!(
            !office.asleep_at(datetime!(2026-03-07 10:00 UTC)),
            "Saturday"
        );
        let mut off = office.clone();
        off.active = false;
        assert!(!off.asleep_at(datetime!(2026-03-02 08:30 UTC)));
        assert_eq!(office.describe(), "mo tu we th fr, 09:00–18:00");
    }

    #[test]
    fn a_window_past_midnight_belongs_to_the_day_it_starts() {
        let nights = schedule(&["fr"], "22:00", "06:00", 0);
        assert!(
            nights.asleep_at(datetime!(2026-03-06 23:00 UTC)),
            "Friday night"
        );
        assert!(
            nights.asleep_at(datetime!(2026-03-07 05:59 UTC)),
            "Saturday early"
        );
        assert!(!nights.asleep_at(datetime!(2026-03-07 06:00 UTC)));
        assert!(
            !nights.asleep_at(datetime!(2026-03-06 05:00 UTC)),
            "Thursday's night"
        );
    }

    #[test]
    fn malformed_schedules_are_refused() {
        assert!(schedule(&["mon"], "09:00", "18:00", 0).check().is_err());
        assert!(schedule(&["mo"], "9", "18:00", 0).check().is_err());
        assert!(schedule(&["mo"], "25:00", "18:00", 0).check().is_err());
        assert!(schedule(&["mo"], "09:00", "09:00", 0).check().is_err());
        assert!(
            schedule(&["mo"], "09:00", "24:00", 15 * 60)
                .check()
                .is_err()
        );
        assert!(schedule(&["mo"], "00:00", "24:00", -60).check().is_ok());
        assert_eq!(minutes_of("24:00"), Some(1440));
        assert_eq!(minutes_of("24:01"), None);
    }
}
