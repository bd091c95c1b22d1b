//! Id newtypes for the values that cross crate borders, so a task id is never passed where a
//! job id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.0.into())
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(value).map(Self)
            }
        }
    };
}

int_id!(
    /// A farm project (the farm API numbers projects with integers).
    ProjectId
);
int_id!(
    /// A render job.
    JobId
);
int_id!(
    /// One task of a job: a chunk of frames, or a job's final video.
    TaskId
);
int_id!(
    /// A render node.
    WorkerId
);

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub uuid::Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Hyphenated and lower-case, as Kitsu writes ids and as they are stored.
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;

            /// Any form a UUID is written in (hyphenated or not, any case, `urn:uuid:`,
            /// braces); surrounding spaces are not part of it.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::try_parse(text).map(Self).map_err(|_| BadId {
                    what: $what,
                    text: text.chars().take(80).collect(),
                })
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.to_string().into())
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: BadId| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

/// A text that is not the id it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {what} (a UUID)")]
pub struct BadId {
    /// Which id was read, e.g. "production task id".
    pub what: &'static str,
    /// The text given (its first 80 characters).
    pub text: String,
}

uuid_id!(
    /// A person who logs in. UUIDs, as Kitsu clients expect for persons.
    UserId,
    "person id"
);

uuid_id!(
    /// A production (Kitsu) task, which a farm job may render for: when the job ends, its
    /// result is posted there. Read once, at the border, from any form a UUID is written in.
    ProductionTaskId,
    "production task id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_parse_any_uuid_form_and_write_kitsus() {
        let id = "6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f";
        for form in [
            id.to_owned(),
            id.to_uppercase(),
            id.replace('-', ""),
            format!("urn:uuid:{id}"),
        ] {
            let parsed: ProductionTaskId = form.parse().unwrap();
            assert_eq!(parsed.to_string(), id, "{form}");
            let json: ProductionTaskId = serde_json::from_value(form.clone().into()).unwrap();
            assert_eq!(json, parsed);
            assert_eq!(serde_json::to_value(json).unwrap(), id);
        }
        assert_eq!(id.parse::<UserId>().unwrap().to_string(), id);
    }

    #[test]
    fn a_bad_id_says_what_it_should_have_been() {
        let err = "SH010".parse::<ProductionTaskId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`SH010` is not a production task id (a UUID)"
        );
        assert!(
            " 6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f"
                .parse::<UserId>()
                .is_err()
        );
        let json = serde_json::from_value::<ProductionTaskId>("nope".into()).unwrap_err();
        assert!(
            json.to_string().contains("not a production task id"),
            "{json}"
        );
        assert!(serde_json::from_value::<ProductionTaskId>(3.into()).is_err());
    }
}
