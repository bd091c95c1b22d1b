//! Account management shared by the command line and the routes.

use crate::auth;
use crate::auth::db;
use crate::error::{ApiError, ApiResult};
use crate::store::Store;
use drover_shared::Role;
use drover_shared::api::User;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Checks an email and password before an account is made.
pub fn validate(email: &str, password: &str) -> ApiResult<()> {
    let email = email.trim();
    let valid_email = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !email.contains(' ')
    });
    if !valid_email {
        return Err(ApiError::BadRequest(format!(
            "`{email}` is not an email address"
        )));
    }
    validate_password(password)
}

/// Checks a password is long enough.
pub fn validate_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ApiError::BadRequest(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// Creates an account; 400 when the email is taken or invalid.
pub async fn create(store: &Store, email: &str, password: &str, role: Role) -> ApiResult<User> {
    validate(email, password)?;
    let hash = auth::hashing::hash_password(password.to_owned()).await?;
    let email = email.trim().to_owned();
    store
        .write(move |c| {
            if db::users::find_by_email(c, &email)?.is_some() {
                return Err(ApiError::BadRequest(format!(
                    "a user with email `{email}` exists"
                )));
            }
            Ok(db::users::insert(c, &email, &hash, role)?)
        })
        .await
}
