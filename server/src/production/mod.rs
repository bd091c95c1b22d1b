//! Production tracking, as Kitsu (Zou) keeps it: the Kitsu-compatible routes with their
//! catalogue and role gate (`routes`), the generic model engine and the named queries
//! ([`db`]), Kitsu's rules on who may do what (`rules`), preview files, attachments and
//! avatars (`media`), the big lists kept between changes (`lists`), live events for Kitsu's web front end over Socket.IO (`live`) and its review room
//! (`review_room`), and the
//! render publisher that comments a farm job's result on its production task (`publish`).

pub mod db;
pub(crate) mod lists;
pub(crate) mod live;
pub(crate) mod media;
pub(crate) mod publish;
pub(crate) mod review_room;
pub(crate) mod routes;
pub(crate) mod rules;
