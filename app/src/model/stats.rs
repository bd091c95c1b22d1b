//! The farm's history as the Farm view shows it: a range of days (today, 7 days, 30 days),
//! the render hours per day for the chart, and a table of the same range by project, person,
//! job or worker. Read from `GET /stats` when the view opens or its range changes.

use drover_shared::api::{FarmStats, StatsGroup, StatsQuery};

/// The ranges the Farm view offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum StatsRange {
    /// Today (UTC).
    Today,
    /// The last 7 days, today included.
    #[default]
    Week,
    /// The last 30 days, today included.
    Month,
}

impl StatsRange {
    /// Every range, in the order offered.
    pub const ALL: [Self; 3] = [Self::Today, Self::Week, Self::Month];

    /// Its button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Today => "Today",
            Self::Week => "7 days",
            Self::Month => "30 days",
        }
    }

    /// Days in it.
    pub fn days(self) -> i64 {
        match self {
            Self::Today => 1,
            Self::Week => 7,
            Self::Month => 30,
        }
    }

    /// The query for it ending on `today`, by `by`.
    pub fn query(self, today: time::Date, by: StatsGroup) -> StatsQuery {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = |d: time::Date| d.format(format).unwrap_or_default();
        StatsQuery {
            from: Some(day(today - time::Duration::days(self.days() - 1))),
            to: Some(day(today)),
            by,
        }
    }
}

/// What the Farm view's history shows.
#[derive(Debug, Default)]
pub struct History {
    /// The range and grouping last asked for.
    pub wanted: Option<StatsQuery>,
    /// Per day, for the chart.
    pub daily: Option<FarmStats>,
    /// The table's rows.
    pub table: Option<FarmStats>,
}

impl History {
    /// Asks for `query` (the table's grouping): answers the two queries to send, the chart's
    /// by day and the table's.
    pub fn ask(&mut self, query: StatsQuery) -> [StatsQuery; 2] {
        let daily = StatsQuery {
            by: StatsGroup::Day,
            ..query.clone()
        };
        self.wanted = Some(query.clone());
        [daily, query]
    }

    /// An answer arrived: it is the chart's when by day, the table's otherwise. One for
    /// another range or grouping than the one last asked for (the person clicked on
    /// meanwhile) is dropped.
    pub fn take(&mut self, stats: FarmStats) {
        let Some(wanted) = &self.wanted else {
            return;
        };
        if Some(&stats.from) != wanted.from.as_ref() || Some(&stats.to) != wanted.to.as_ref() {
            return;
        }
        if stats.by == StatsGroup::Day {
            self.daily = Some(stats);
        } else if stats.by == wanted.by {
            self.table = Some(stats);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_end_today_and_answers_for_another_range_are_dropped() {
        let today = time::Date::from_calendar_date(2026, time::Month::March, 3).unwrap();
        let query = StatsRange::Week.query(today, StatsGroup::Project);
        assert_eq!(query.from.as_deref(), Some("2026-02-25"));
        assert_eq!(query.to.as_deref(), Some("2026-03-03"));
        let today_only = StatsRange::Today.query(today, StatsGroup::Worker);
        assert_eq!(today_only.from, today_only.to);

        let mut history = History::default();
        let [daily, table] = history.ask(query.clone());
        assert_eq!((daily.by, table.by), (StatsGroup::Day, StatsGroup::Project));
        let answer = |from: &str, by| FarmStats {
            from: from.into(),
            to: "2026-03-03".into(),
            by,
            ..FarmStats::default()
        };
        history.take(answer("2026-02-02", StatsGroup::Project));
        assert!(history.table.is_none(), "an older range's answer");
        history.take(answer("2026-02-25", StatsGroup::Project));
        history.take(answer("2026-02-25", StatsGroup::Day));
        assert!(history.table.is_some() && history.daily.is_some());
        history.table = None;
        history.take(answer("2026-02-25", StatsGroup::Job));
        assert!(history.table.is_none(), "a grouping no longer asked for");
    }
}
