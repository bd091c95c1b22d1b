//! Kitsu's rules on who may do what to production rows, as pure decisions on plain inputs:
//! the viewer's role, whether the viewer is the row's author, a status's flags. Nothing here
//! reads the database; the `db` modules read the rows a rule needs, ask it, and write (or
//! refuse) on its answer, so every route that writes a comment or time spent, the generic
//! `/data/<model>` ones and the named ones alike, keeps the same rule.
//!
//! The rules are Zou's: managers and admins speak for others (write in someone else's name,
//! back-date a comment, log another's time, change another's rows and attachments, export
//! tasks); supervisors see others' quotas; artists and vendors set only the statuses open to
//! artists; only admins change a person's departments and list every attachment.

use drover_shared::Role;

/// A rule's refusal, with the message a person reads (answered 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused(pub String);

/// A rule's answer: allowed, or refused with its reason.
pub(crate) type Decision = Result<(), Refused>;

fn refuse(message: impl Into<String>) -> Decision {
    Err(Refused(message.into()))
}

/// Managers and admins write in anyone's name and change anyone's rows (Zou's rule for
/// comments and time spent); the team check of the access classes comes on top.
pub(crate) fn speaks_for_others(role: Role) -> bool {
    role.sees_all_projects()
}

/// A comment written in someone else's name, back-dated (`created_at`) or for the client:
/// managers and admins only. The named comment route quietly keeps the viewer, now and
/// `false` for the others, as Zou does.
pub(crate) fn may_back_date(role: Role) -> bool {
    speaks_for_others(role)
}

/// A row of the model named `route` written in a name: the viewer's own, or anyone's by
/// those who speak for others.
pub(crate) fn may_write_as(role: Role, is_viewer: bool, route: &str) -> Decision {
    if is_viewer || speaks_for_others(role) {
        Ok(())
    } else {
        refuse(format!(
            "only managers and admins write {route} in someone else's name"
        ))
    }
}

/// A row with an author (a comment, a preview, time spent; its kind named `kind`) changed
/// or removed: by its author, or by those who speak for others.
pub(crate) fn may_change_authored(role: Role, is_author: bool, kind: &str) -> Decision {
    if is_author || speaks_for_others(role) {
        Ok(())
    } else {
        refuse(format!(
            "only its author, managers and admins change this {kind}"
        ))
    }
}

/// A comment written (or turned) for the client: managers and admins only.
pub(crate) fn may_comment_for_client(role: Role) -> Decision {
    if speaks_for_others(role) {
        Ok(())
    } else {
        refuse("only managers and admins write comments for the client")
    }
}

/// A comment moved to another task: managers and admins only.
pub(crate) fn may_move_comment(role: Role) -> Decision {
    if speaks_for_others(role) {
        Ok(())
    } else {
        refuse("a comment stays on its task; only managers and admins move it")
    }
}

/// Whether the role sets any status, so a status's flags need not be read: everyone but
/// artists and vendors (clients never comment; the role gate refuses them first).
pub(crate) fn sets_any_status(role: Role) -> bool {
    !matches!(role, Role::Artist | Role::Vendor)
}

/// What the status rule reads of a task status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusFlags<'a> {
    /// The status's name, for the message.
    pub name: &'a str,
    /// Kitsu's `is_artist_allowed`: artists and vendors may set it.
    pub is_artist_allowed: bool,
}

/// Kitsu's status rule, shared by every comment route: artists and vendors set only the
/// statuses open to artists; keeping the task's current status (`keeps_current`) is always
/// allowed. An unknown status (`None`) is the foreign key's to refuse, with its own message.
pub(crate) fn may_set_status(
    role: Role,
    keeps_current: bool,
    status: Option<StatusFlags<'_>>,
) -> Decision {
    match status {
        Some(flags) if !sets_any_status(role) && !keeps_current && !flags.is_artist_allowed => {
            refuse(format!(
                "your role may not set a task to \"{}\"",
                flags.name
            ))
        }
        _ => Ok(()),
    }
}

/// Time spent logged for a person: by the person, or by managers and admins (Zou's
/// `check_time_spent_access`; the generic route keeps the same rule through the author).
pub(crate) fn may_log_time_for(role: Role, is_self: bool) -> Decision {
    if is_self || role.allows(Role::Manager) {
        Ok(())
    } else {
        refuse("only managers and admins log time for someone else")
    }
}

/// Someone taken off a task (`manages`: the viewer may change the task's assignments, as a
/// supervisor on its team, a manager or an admin; `unassigns_self`: the viewer takes only
/// themselves off a task they are assigned to, which anyone may, as in Kitsu).
pub(crate) fn may_unassign(manages: bool, unassigns_self: bool) -> Decision {
    if manages || unassigns_self {
        Ok(())
    } else {
        refuse("only the task's supervisors, managers and admins unassign others")
    }
}

/// A comment's reply removed: by its author, or by an admin (Kitsu's rule: managers do not).
pub(crate) fn may_delete_reply(role: Role, is_author: bool) -> Decision {
    if is_author || role == Role::Admin {
        Ok(())
    } else {
        refuse("only its author and admins remove a reply")
    }
}

/// A reply in a thread the client reads (a comment for the client): managers and admins
/// only, who answer there for the studio.
pub(crate) fn may_reply_in_client_thread(role: Role) -> Decision {
    if speaks_for_others(role) {
        Ok(())
    } else {
        refuse("only managers and admins answer in a thread the client reads")
    }
}

/// Which tasks waiting for feedback a role checks (Kitsu's "My checks").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// Every open project's: admins.
    Everything,
    /// Their teams' projects': managers.
    Team,
    /// Their teams' projects', in their departments' task types when they have any:
    /// supervisors.
    TeamDepartments,
    /// None: artists, vendors and clients check nothing.
    Nothing,
}

/// What a role checks, as Zou's `_get_tasks_to_check_scope`.
pub(crate) fn checks(role: Role) -> Checks {
    match role {
        Role::Admin => Checks::Everything,
        Role::Manager => Checks::Team,
        Role::Supervisor => Checks::TeamDepartments,
        Role::Artist | Role::Vendor | Role::Client => Checks::Nothing,
    }
}

/// How a day off of someone is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayOffReading {
    /// With its description.
    Whole,
    /// Its dates only.
    DatesOnly,
}

/// A person's day offs read (`is_self`: the viewer's own; `shares_team`: the viewer is on a
/// team with them): whole by the person, managers and admins; dates only by a supervisor
/// on a team with them; by nobody else (Zou's `check_day_off_read_access`, without its
/// department rule).
pub(crate) fn day_off_reading(
    role: Role,
    is_self: bool,
    shares_team: bool,
) -> Result<DayOffReading, Refused> {
    if is_self || speaks_for_others(role) {
        Ok(DayOffReading::Whole)
    } else if shares_team && role == Role::Supervisor {
        Ok(DayOffReading::DatesOnly)
    } else {
        Err(Refused(
            "only the person, their supervisors, managers and admins read their day offs".into(),
        ))
    }
}

/// A production team's day offs read: by its team and above, not by vendors and clients.
pub(crate) fn may_read_team_day_offs(role: Role) -> Decision {
    if matches!(role, Role::Vendor | Role::Client) {
        refuse("vendors and clients do not read the team's day offs")
    } else {
        Ok(())
    }
}

/// A project's task type schedule read (and completed): by its team, not by vendors.
pub(crate) fn may_read_schedule(role: Role) -> Decision {
    if role == Role::Vendor {
        refuse("vendors do not read the production schedule")
    } else {
        Ok(())
    }
}

/// A person's departments changed: admins only.
pub(crate) fn may_change_departments(role: Role) -> Decision {
    if role == Role::Admin {
        Ok(())
    } else {
        refuse("only admins may change a person's departments")
    }
}

/// A comment's attachments added or removed: by the comment's author, or by those who
/// speak for others.
pub(crate) fn may_change_attachments(role: Role, is_author: bool) -> Decision {
    if is_author || speaks_for_others(role) {
        Ok(())
    } else {
        refuse("only the comment's author, managers and admins change its attachments")
    }
}

/// Every attachment of a task or project listed at once: admins only, as Kitsu.
pub(crate) fn may_list_attachment_files(role: Role) -> Decision {
    if role == Role::Admin {
        Ok(())
    } else {
        refuse("only admins list attachment files")
    }
}

/// A person's quotas (the shots they finished that day) seen: by the person, or by
/// supervisors and above.
pub(crate) fn may_see_quotas_of(role: Role, is_self: bool) -> Decision {
    if is_self || role.allows(Role::Supervisor) {
        Ok(())
    } else {
        refuse("only supervisors and above see other people's quotas")
    }
}

/// Every task exported as CSV: managers and admins only.
pub(crate) fn may_export_tasks(role: Role) -> Decision {
    if role.allows(Role::Manager) {
        Ok(())
    } else {
        refuse("only managers and admins export tasks")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Role; 6] = [
        Role::Client,
        Role::Vendor,
        Role::Artist,
        Role::Supervisor,
        Role::Manager,
        Role::Admin,
    ];

    /// The roles that speak for others: managers and admins, none below.
    fn above_supervisor(role: Role) -> bool {
        matches!(role, Role::Manager | Role::Admin)
    }

    #[test]
    fn only_managers_and_admins_speak_for_others() {
        for role in ALL {
            assert_eq!(speaks_for_others(role), above_supervisor(role), "{role:?}");
            assert_eq!(may_back_date(role), above_supervisor(role), "{role:?}");
        }
    }

    #[test]
    fn a_row_in_ones_own_name_is_always_allowed_anothers_from_manager_up() {
        for role in ALL {
            assert_eq!(may_write_as(role, true, "comments"), Ok(()), "{role:?}");
            assert_eq!(
                may_write_as(role, false, "comments").is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
        assert_eq!(
            may_write_as(Role::Supervisor, false, "time-spents"),
            Err(Refused(
                "only managers and admins write time-spents in someone else's name".into()
            ))
        );
    }

    #[test]
    fn the_author_changes_their_own_rows_others_need_manager() {
        for role in ALL {
            assert_eq!(
                may_change_authored(role, true, "Comment"),
                Ok(()),
                "{role:?}"
            );
            assert_eq!(
                may_change_authored(role, false, "Comment").is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
        assert_eq!(
            may_change_authored(Role::Artist, false, "Comment"),
            Err(Refused(
                "only its author, managers and admins change this Comment".into()
            ))
        );
    }

    #[test]
    fn client_comments_and_moves_need_manager() {
        for role in ALL {
            assert_eq!(
                may_comment_for_client(role).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
            assert_eq!(
                may_move_comment(role).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
    }

    #[test]
    fn artists_set_only_artist_statuses_supervisors_any() {
        let closed = StatusFlags {
            name: "Done",
            is_artist_allowed: false,
        };
        let open = StatusFlags {
            name: "WIP",
            is_artist_allowed: true,
        };
        for role in [Role::Artist, Role::Vendor] {
            assert!(!sets_any_status(role));
            assert_eq!(
                may_set_status(role, false, Some(closed)),
                Err(Refused("your role may not set a task to \"Done\"".into())),
                "{role:?}"
            );
            assert_eq!(may_set_status(role, false, Some(open)), Ok(()));
            // Keeping the current status is no change, and an unknown one is the foreign
            // key's to refuse.
            assert_eq!(may_set_status(role, true, Some(closed)), Ok(()));
            assert_eq!(may_set_status(role, false, None), Ok(()));
        }
        for role in [Role::Supervisor, Role::Manager, Role::Admin] {
            assert!(sets_any_status(role));
            assert_eq!(
                may_set_status(role, false, Some(closed)),
                Ok(()),
                "{role:?}"
            );
        }
    }

    #[test]
    fn time_for_oneself_always_for_others_from_manager_up() {
        for role in ALL {
            assert_eq!(may_log_time_for(role, true), Ok(()), "{role:?}");
            assert_eq!(
                may_log_time_for(role, false).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
        assert_eq!(
            may_log_time_for(Role::Supervisor, false),
            Err(Refused(
                "only managers and admins log time for someone else".into()
            ))
        );
    }

    #[test]
    fn attachments_change_by_the_author_or_from_manager_up() {
        for role in ALL {
            assert_eq!(may_change_attachments(role, true), Ok(()), "{role:?}");
            assert_eq!(
                may_change_attachments(role, false).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
    }

    #[test]
    fn own_quotas_always_others_from_supervisor_up() {
        for role in ALL {
            assert_eq!(may_see_quotas_of(role, true), Ok(()), "{role:?}");
        }
        for role in [Role::Client, Role::Vendor, Role::Artist] {
            assert!(may_see_quotas_of(role, false).is_err(), "{role:?}");
        }
        for role in [Role::Supervisor, Role::Manager, Role::Admin] {
            assert_eq!(may_see_quotas_of(role, false), Ok(()), "{role:?}");
        }
    }

    #[test]
    fn exports_need_manager_attachment_lists_admin() {
        for role in ALL {
            assert_eq!(
                may_export_tasks(role).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
            assert_eq!(
                may_list_attachment_files(role).is_ok(),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }

    #[test]
    fn unassigning_others_needs_the_task_unassigning_oneself_does_not() {
        assert_eq!(may_unassign(true, false), Ok(()));
        assert_eq!(may_unassign(false, true), Ok(()));
        assert!(may_unassign(false, false).is_err());
    }

    #[test]
    fn replies_go_by_their_author_or_an_admin_client_threads_need_manager() {
        for role in ALL {
            assert_eq!(may_delete_reply(role, true), Ok(()), "{role:?}");
            assert_eq!(
                may_delete_reply(role, false).is_ok(),
                role == Role::Admin,
                "{role:?}"
            );
            assert_eq!(
                may_reply_in_client_thread(role).is_ok(),
                above_supervisor(role),
                "{role:?}"
            );
        }
    }

    #[test]
    fn supervisors_and_above_check_tasks_admins_everywhere() {
        assert_eq!(checks(Role::Admin), Checks::Everything);
        assert_eq!(checks(Role::Manager), Checks::Team);
        assert_eq!(checks(Role::Supervisor), Checks::TeamDepartments);
        for role in [Role::Artist, Role::Vendor, Role::Client] {
            assert_eq!(checks(role), Checks::Nothing, "{role:?}");
        }
    }

    #[test]
    fn day_offs_are_read_whole_by_their_person_and_managers_dates_by_supervisors() {
        for role in ALL {
            assert_eq!(day_off_reading(role, true, false), Ok(DayOffReading::Whole));
            let by_teammate = day_off_reading(role, false, true);
            match role {
                Role::Manager | Role::Admin => assert_eq!(by_teammate, Ok(DayOffReading::Whole)),
                Role::Supervisor => assert_eq!(by_teammate, Ok(DayOffReading::DatesOnly)),
                _ => assert!(by_teammate.is_err(), "{role:?}"),
            }
        }
        assert!(day_off_reading(Role::Supervisor, false, false).is_err());
        for role in ALL {
            assert_eq!(
                may_read_team_day_offs(role).is_ok(),
                !matches!(role, Role::Vendor | Role::Client),
                "{role:?}"
            );
            assert_eq!(
                may_read_schedule(role).is_ok(),
                role != Role::Vendor,
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_admins_change_departments() {
        for role in ALL {
            assert_eq!(
                may_change_departments(role).is_ok(),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }
}
