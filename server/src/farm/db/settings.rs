//! Farm settings: a fixed registry of names, types and defaults, with stored overrides.
//!
//! Unknown names and wrong types are refused before anything is written, so the table only
//! ever holds values the server understands.

use drover_shared::api::Settings;
use rusqlite::{Connection, named_params};
use serde_json::{Value, json};

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

/// Folder the file browser shows; empty means `storage/` in the data dir.
pub const BROWSE_ROOT: &str = "browse_root";
/// A job fails when this percentage of its tasks failed.
pub const JOB_FAIL_PERCENT: &str = "job_fail_percent";
/// The least role that may submit or re-run jobs that run code of their own on the render
/// nodes (`command` jobs, and Blender jobs that let the .blend run its Python).
pub const CODE_JOBS_MIN_ROLE: &str = "code_jobs_min_role";
/// The roles `code_jobs_min_role` may name: clients and vendors never run farm jobs.
const CODE_JOB_ROLES: &[&str] = &["artist", "supervisor", "manager", "admin"];
/// The four render output roots.
pub const RENDER_PATHS: [&str; 4] = [
    "render_path_linux",
    "render_path_osx",
    "render_path_win",
    "render_path_server",
];

/// Every setting the server knows.
pub const DEFS: &[Def] = &[
    // Folder the file browser shows; empty: storage/ in the data dir.
    Def {
        name: BROWSE_ROOT,
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
        name: JOB_FAIL_PERCENT,
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
        name: CODE_JOBS_MIN_ROLE,
        kind: Kind::Choice(CODE_JOB_ROLES),
    },
];
/// The default value of a known setting.
pub fn default_value(name: &str) -> Option<Value> {
    Some(match name {
        JOB_FAIL_PERCENT => json!(10.0),
        "task_fail_worker_count" | "blocklist_threshold" => json!(3),
        "worker_timeout_secs" => json!(60),
        "task_timeout_secs" => json!(600),
        CODE_JOBS_MIN_ROLE => json!("manager"),
        _ if DEFS.iter().any(|d| d.name == name) => json!(""),
        _ => return None,
    })
}
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
/// Every setting, stored values over defaults.
pub fn all(conn: &Connection) -> rusqlite::Result<Settings> {
    let mut settings: Settings = DEFS
        .iter()
        .filter_map(|d| default_value(d.name).map(|v| (d.name.to_owned(), v)))
        .collect();
    let mut stmt = conn.prepare_cached("SELECT name, value FROM settings")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (name, text) = row?;
        if let Ok(value) = serde_json::from_str(&text) {
            settings.insert(name, value);
        }
    }
    Ok(settings)
}
/// One setting's value (stored or default).
pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Value> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE name = :name")?
        .query_row(named_params! { ":name": name }, |r| r.get(0))
        .ok();
    Ok(stored
        .and_then(|text| serde_json::from_str(&text).ok())
        .or_else(|| default_value(name))
        .unwrap_or(Value::Null))
}
/// A numeric setting as `f64`.
pub fn get_f64(conn: &Connection, name: &str) -> rusqlite::Result<f64> {
    Ok(get(conn, name)?.as_f64().unwrap_or_default())
}
/// A text setting.
pub fn get_text(conn: &Connection, name: &str) -> rusqlite::Result<String> {
    Ok(get(conn, name)?.as_str().unwrap_or_default().to_owned())
}
/// The least role that may run jobs with code of their own (`code_jobs_min_role`).
pub fn code_jobs_min_role(conn: &Connection) -> rusqlite::Result<drover_shared::Role> {
    Ok(get_text(conn, CODE_JOBS_MIN_ROLE)?
        .parse()
        .unwrap_or(drover_shared::Role::Manager))
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
    #[test]
    fn defaults_overrides_and_validation() {
        let conn = crate::db::test_conn();
        assert!((get_f64(&conn, JOB_FAIL_PERCENT).unwrap() - 10.0).abs() < f64::EPSILON);
        let mut update = Settings::new();
        update.insert(JOB_FAIL_PERCENT.into(), json!(25));
        update.insert("render_path_linux".into(), json!("/mnt/render"));
        upsert(&conn, &update).unwrap();
        let all = all(&conn).unwrap();
        assert_eq!(all[JOB_FAIL_PERCENT], json!(25));
        assert_eq!(all["render_path_linux"], json!("/mnt/render"));
        assert_eq!(all["worker_timeout_secs"], json!(60));
        assert_eq!(all.len(), DEFS.len());
        assert!(
            validate("nope", &json!(1))
                .unwrap_err()
                .contains("unknown setting")
        );
        assert!(validate("worker_timeout_secs", &json!("60")).is_err());
        assert!(validate("worker_timeout_secs", &json!(1)).is_err());
        assert!(validate(JOB_FAIL_PERCENT, &json!(12.5)).is_ok());
        assert!(validate(BROWSE_ROOT, &json!(3)).is_err());
        assert_eq!(
            code_jobs_min_role(&conn).unwrap(),
            drover_shared::Role::Manager
        );
        assert!(validate(CODE_JOBS_MIN_ROLE, &json!("artist")).is_ok());
        assert!(validate(CODE_JOBS_MIN_ROLE, &json!("client")).is_err());
        assert!(validate(CODE_JOBS_MIN_ROLE, &json!("vendor")).is_err());
        assert!(validate(CODE_JOBS_MIN_ROLE, &json!(3)).is_err());
    }
}
