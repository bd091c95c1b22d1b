//! The routes of logging in and of accounts: `/auth` (login, refresh, logout, the second
//! factors and passwords) and `/users` (accounts, for admins).

pub(crate) mod email_otp;
pub(crate) mod factors;
pub(crate) mod fido;
pub(crate) mod login;
pub(crate) mod password;
pub(crate) mod recovery;
pub(crate) mod totp;
pub(crate) mod users;
