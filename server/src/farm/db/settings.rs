//! Farm settings: [`FarmSettings`], typed, with their defaults in one place, over the
//! overrides stored in the `settings` table.
//!
//! Unknown names and wrong types are refused before anything is written, so the table only
//! ever holds values the server understands.

use drover_shared::Role;
use drover_shared::api::{RenderSettings, Settings};
use rusqlite::{Connection, OptionalExtension, named_params};
use serde_json::Value;

/// The type and range a setting accepts.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Any string.
    Text,
    /// An integer within bounds.
    Int {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
    /// A number within bounds.
    Number {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
}

/// One known setting.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    /// Its name.
    pub name: &'static str,
    /// What values it takes.
    pub kind: Kind,
}

/// The farm's settings, typed, with their defaults in one place ([`Default`]). The wire and the
/// table name each by its field's name (`GET /settings` is this struct as a name → value map,
/// stored values over defaults); [`DEFS`] says what each accepts. Read once per use with
/// [`load`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FarmSettings {
    /// Folder the file browser shows, relative to the data dir; empty: `storage/` in it.
    pub browse_root: String,
    /// Render output root on Linux.
    pub render_path_linux: String,
    /// Render output root on macOS.
    pub render_path_osx: String,
    /// Render output root on Windows.
    pub render_path_win: String,
    /// Render output root as job settings write it.
    pub render_path_server: String,
    /// A job fails when this percentage of its tasks failed.
    pub job_fail_percent: f64,
    /// A task fails for good once this many different workers failed it.
    pub task_fail_worker_count: u32,
    /// A worker that fails this many tasks of a job is blocklisted for it.
    pub blocklist_threshold: u32,
    /// A worker unheard this long goes offline and its tasks are requeued.
    pub worker_timeout_secs: u32,
    /// A task with no update this long fails on its worker.
    pub task_timeout_secs: u32,
    /// The least role that may submit or re-run jobs that run code of their own on the render
    /// nodes (`command` jobs, and Blender jobs that let the .blend run its Python).
    pub code_jobs_min_role: Role,
    /// A render node's draw, in watts, where it measures none and has no rating of its own
    /// (the farm history's energy estimate).
    pub default_worker_watts: f64,
    /// The grid's carbon intensity, in gCO2e per kWh (the history's CO2e).
    pub grid_gco2e_per_kwh: f64,
    /// What a kWh costs, in `cost_currency`.
    pub cost_per_kwh: f64,
    /// What a core-hour costs besides its energy (hardware, licences), in `cost_currency`.
    pub cost_per_core_hour: f64,
    /// The currency costs are in (a label).
    pub cost_currency: String,
    /// Days a completed job is kept before housekeeping takes it (0: for ever).
    pub keep_completed_days: f64,
    /// Days a failed job is kept before housekeeping takes it (0: for ever).
    pub keep_failed_days: f64,
    /// Days a canceled job is kept before housekeeping takes it (0: for ever).
    pub keep_canceled_days: f64,
    /// What housekeeping does with a job past its days: `archive` (its logs, previews and
    /// outputs go, the job stays listed) or `delete` (the job goes too).
    pub housekeeping: String,
}

impl Default for FarmSettings {
    fn default() -> Self {
        Self {
            browse_root: String::new(),
            render_path_linux: String::new(),
            render_path_osx: String::new(),
            render_path_win: String::new(),
            render_path_server: String::new(),
            job_fail_percent: 10.0,
            task_fail_worker_count: 3,
            blocklist_threshold: 3,
            worker_timeout_secs: 60,
            task_timeout_secs: 600,
            code_jobs_min_role: Role::Manager,
            default_worker_watts: 250.0,
            // About Europe's grid average; France's is nearer 50, Poland's 700.
            grid_gco2e_per_kwh: 250.0,
            cost_per_kwh: 0.25,
            cost_per_core_hour: 0.0,
            cost_currency: "EUR".into(),
            keep_completed_days: 0.0,
            keep_failed_days: 0.0,
            keep_canceled_days: 0.0,
            housekeeping: "archive".into(),
        }
    }
}

impl FarmSettings {
    /// The render output roots per OS.
    pub fn render_paths(&self) -> RenderSettings {
        RenderSettings {
            render_path_linux: self.render_path_linux.clone(),
            render_path_osx: self.render_path_osx.clone(),
            render_path_win: self.render_path_win.clone(),
            render_path_server: self.render_path_server.clone(),
        }
    }
}

/// The roles `code_jobs_min_role` may name: clients and vendors never run farm jobs.
const CODE_JOB_ROLES: &[&str] = &["artist", "supervisor", "manager", "admin"];

/// What every setting accepts, by name: the names of [`FarmSettings`]' fields.
pub const DEFS: &[Def] = &[
    // Folder the file browser shows; empty: storage/ in the data dir.
    Def {
        name: "browse_root",
        kind: Kind::Text,
    },
    // Render output root on Linux.
    Def {
        name: "render_path_linux",
        kind: Kind::Text,
    },
    // Render output root on macOS.
    Def {
        name: "render_path_osx",
        kind: Kind::Text,
    },
    // Render output root on Windows.
    Def {
        name: "render_path_win",
        kind: Kind::Text,
    },
    // Render output root as job settings write it.
    Def {
        name: "render_path_server",
        kind: Kind::Text,
    },
    // A job fails when this percentage of its tasks failed.
    Def {
        name: "job_fail_percent",
        kind: Kind::Number {
            min: 0.0,
            max: 100.0,
        },
    },
    // A task fails for good once this many different workers failed it.
    Def {
        name: "task_fail_worker_count",
        kind: Kind::Int { min: 1, max: 100 },
    },
    // A worker that fails this many tasks of a job is blocklisted for it.
    Def {
        name: "blocklist_threshold",
        kind: Kind::Int { min: 1, max: 1000 },
    },
    // A worker unheard this long goes offline and its tasks are requeued.
    Def {
        name: "worker_timeout_secs",
        kind: Kind::Int {
            min: 5,
            max: 86_400,
        },
    },
    // A task with no update this long fails on its worker.
    Def {
        name: "task_timeout_secs",
        kind: Kind::Int {
            min: 10,
            max: 604_800,
        },
    },
    // The least role that may submit or re-run jobs running their own code on the render
    // nodes: `command` jobs and Blender jobs with `auto_run_python`.
    Def {
        name: "code_jobs_min_role",
        kind: Kind::Choice(CODE_JOB_ROLES),
    },
    // A render node's draw where it measures none and has no rating of its own.
    Def {
        name: "default_worker_watts",
        kind: Kind::Number {
            min: 0.0,
            max: 100_000.0,
        },
    },
    // The grid's carbon intensity, gCO2e per kWh.
    Def {
        name: "grid_gco2e_per_kwh",
        kind: Kind::Number {
            min: 0.0,
            max: 5000.0,
        },
    },
    // What a kWh costs.
    Def {
        name: "cost_per_kwh",
        kind: Kind::Number {
            min: 0.0,
            max: 1000.0,
        },
    },
    // What a core-hour costs besides its energy.
    Def {
        name: "cost_per_core_hour",
        kind: Kind::Number {
            min: 0.0,
            max: 1000.0,
        },
    },
    // The currency costs are in.
    Def {
        name: "cost_currency",
        kind: Kind::Text,
    },
    // Days each ended status is kept before housekeeping (0: for ever; fractions allowed).
    Def {
        name: "keep_completed_days",
        kind: Kind::Number {
            min: 0.0,
            max: 36_500.0,
        },
    },
    Def {
        name: "keep_failed_days",
        kind: Kind::Number {
            min: 0.0,
            max: 36_500.0,
        },
    },
    Def {
        name: "keep_canceled_days",
        kind: Kind::Number {
            min: 0.0,
            max: 36_500.0,
        },
    },
    // What housekeeping does with a job past its days.
    Def {
        name: "housekeeping",
        kind: Kind::Choice(&["archive", "delete"]),
    },
];

/// Checks a name and value against the registry; says what is wrong otherwise.
pub fn validate(name: &str, value: &Value) -> Result<(), String> {
    let def = DEFS.iter().find(|d| d.name == name).ok_or_else(|| {
        let known: Vec<_> = DEFS.iter().map(|d| d.name).collect();
        format!(
            "unknown setting `{name}`; known settings: {}",
            known.join(", ")
        )
    })?;
    match def.kind {
        Kind::Text if value.is_string() => Ok(()),
        Kind::Text => Err(format!("setting `{name}` must be a string")),
        Kind::Int { min, max } => match value.as_i64() {
            Some(v) if (min..=max).contains(&v) => Ok(()),
            _ => Err(format!(
                "setting `{name}` must be an integer from {min} to {max}"
            )),
        },
        Kind::Choice(words) => match value.as_str() {
            Some(v) if words.contains(&v) => Ok(()),
            _ => Err(format!(
                "setting `{name}` must be one of {}",
                words.join(", ")
            )),
        },
        Kind::Number { min, max } => match value.as_f64() {
            Some(v) if (min..=max).contains(&v) => Ok(()),
            _ => Err(format!(
                "setting `{name}` must be a number from {min} to {max}"
            )),
        },
    }
}

/// Every setting as the wire shows it: the defaults, with the stored values that are still
/// valid over them.
pub fn all(conn: &Connection) -> rusqlite::Result<Settings> {
    let mut settings = match serde_json::to_value(FarmSettings::default()) {
        Ok(Value::Object(defaults)) => defaults.into_iter().collect::<Settings>(),
        _ => Settings::new(),
    };
    let mut stmt = conn.prepare_cached("SELECT name, value FROM settings")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (name, text) = row?;
        // Only what `validate` lets in is stored; anything else (a setting an older server
        // knew) is left out rather than breaking the typed read.
        if let Ok(value) = serde_json::from_str::<Value>(&text)
            && validate(&name, &value).is_ok()
        {
            settings.insert(name, value);
        }
    }
    Ok(settings)
}

/// The farm's settings now: the stored overrides over the defaults.
pub fn load(conn: &Connection) -> rusqlite::Result<FarmSettings> {
    let map: serde_json::Map<String, Value> = all(conn)?.into_iter().collect();
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}
/// The job failure threshold alone, as [`load`] would read it: every task's end needs it,
/// and reading one row costs a fraction of reading and checking them all.
pub fn job_fail_percent(conn: &Connection) -> rusqlite::Result<f64> {
    const NAME: &str = "job_fail_percent";
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE name = :name")?
        .query_row(named_params! { ":name": NAME }, |r| r.get(0))
        .optional()?;
    Ok(stored
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|value| validate(NAME, value).is_ok())
        .and_then(|value| value.as_f64())
        .unwrap_or(FarmSettings::default().job_fail_percent))
}

/// Creates or updates each setting; the caller validated them all first.
pub fn upsert(conn: &Connection, settings: &Settings) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO settings (name, value) VALUES (:name, :value)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?;
    for (name, value) in settings {
        stmt.execute(named_params! { ":name": name, ":value": value.to_string() })?;
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_defaults_are_the_structs_and_every_setting_has_a_rule() {
        let conn = crate::db::test_conn();
        let defaults = load(&conn).unwrap();
        assert_eq!(defaults, FarmSettings::default());
        assert!((defaults.job_fail_percent - 10.0).abs() < f64::EPSILON);
        assert!((job_fail_percent(&conn).unwrap() - 10.0).abs() < f64::EPSILON);
        assert_eq!(defaults.task_fail_worker_count, 3);
        assert_eq!(defaults.blocklist_threshold, 3);
        assert_eq!(defaults.worker_timeout_secs, 60);
        assert_eq!(defaults.task_timeout_secs, 600);
        assert_eq!(defaults.code_jobs_min_role, Role::Manager);
        assert_eq!(defaults.browse_root, "");
        // The wire as before: every name, the defaults with their JSON types.
        let all = all(&conn).unwrap();
        let names: Vec<&str> = all.keys().map(String::as_str).collect();
        let mut defined: Vec<&str> = DEFS.iter().map(|d| d.name).collect();
        defined.sort_unstable();
        assert_eq!(names, defined, "one rule per field, one field per rule");
        assert_eq!(all["job_fail_percent"], json!(10.0));
        assert_eq!(all["worker_timeout_secs"], json!(60));
        assert_eq!(all["code_jobs_min_role"], json!("manager"));
        assert_eq!(all["render_path_win"], json!(""));
        for (name, value) in &all {
            assert_eq!(validate(name, value), Ok(()), "the default of {name}");
        }
    }

    #[test]
    fn stored_values_override_the_defaults() {
        let conn = crate::db::test_conn();
        let mut update = Settings::new();
        update.insert("job_fail_percent".into(), json!(25));
        update.insert("render_path_linux".into(), json!("/mnt/render"));
        update.insert("task_timeout_secs".into(), json!(10));
        update.insert("code_jobs_min_role".into(), json!("artist"));
        upsert(&conn, &update).unwrap();
        let all = all(&conn).unwrap();
        assert_eq!(all["job_fail_percent"], json!(25));
        assert_eq!(all["render_path_linux"], json!("/mnt/render"));
        assert_eq!(all["worker_timeout_secs"], json!(60));
        assert_eq!(all.len(), DEFS.len());
        let farm = load(&conn).unwrap();
        assert!((farm.job_fail_percent - 25.0).abs() < f64::EPSILON);
        assert!((job_fail_percent(&conn).unwrap() - 25.0).abs() < f64::EPSILON);
        assert_eq!(farm.task_timeout_secs, 10);
        assert_eq!(farm.code_jobs_min_role, Role::Artist);
        assert_eq!(farm.render_paths().render_path_linux, "/mnt/render");
        assert_eq!(farm.worker_timeout_secs, 60);
    }

    #[test]
    fn a_stored_value_no_rule_takes_is_left_out() {
        let conn = crate::db::test_conn();
        let mut stale = Settings::new();
        stale.insert("worker_timeout_secs".into(), json!("soon"));
        stale.insert("retired_setting".into(), json!(1));
        upsert(&conn, &stale).unwrap();
        assert_eq!(load(&conn).unwrap(), FarmSettings::default());
        assert!(!all(&conn).unwrap().contains_key("retired_setting"));
    }

    #[test]
    fn each_rule_takes_its_range_and_refuses_past_it() {
        assert!(
            validate("nope", &json!(1))
                .unwrap_err()
                .contains("unknown setting")
        );
        assert!(validate("worker_timeout_secs", &json!("60")).is_err());
        assert!(validate("worker_timeout_secs", &json!(4)).is_err());
        assert!(validate("worker_timeout_secs", &json!(5)).is_ok());
        assert!(validate("worker_timeout_secs", &json!(86_400)).is_ok());
        assert!(validate("worker_timeout_secs", &json!(86_401)).is_err());
        assert!(validate("task_timeout_secs", &json!(9)).is_err());
        assert!(validate("task_timeout_secs", &json!(604_800)).is_ok());
        assert!(validate("task_timeout_secs", &json!(604_801)).is_err());
        assert!(validate("task_fail_worker_count", &json!(0)).is_err());
        assert!(validate("task_fail_worker_count", &json!(100)).is_ok());
        assert!(validate("task_fail_worker_count", &json!(101)).is_err());
        assert!(validate("blocklist_threshold", &json!(1000)).is_ok());
        assert!(validate("blocklist_threshold", &json!(1001)).is_err());
        assert!(validate("job_fail_percent", &json!(12.5)).is_ok());
        assert!(validate("job_fail_percent", &json!(100)).is_ok());
        assert!(validate("job_fail_percent", &json!(100.01)).is_err());
        assert!(validate("job_fail_percent", &json!(-0.1)).is_err());
        assert!(validate("browse_root", &json!(3)).is_err());
        assert!(validate("code_jobs_min_role", &json!("artist")).is_ok());
        assert!(validate("code_jobs_min_role", &json!("client")).is_err());
        assert!(validate("code_jobs_min_role", &json!("vendor")).is_err());
        assert!(validate("code_jobs_min_role", &json!(3)).is_err());
    }
}
