//! Unit tests of the second factors: codes, recovery codes, e-mailed codes, sealing.

use super::*;
use serde_json::json;

fn totp(code: &str) -> Offered<'_> {
    Offered {
        totp: Some(code),
        ..Offered::default()
    }
}

fn no_fido(_: &serde_json::Value) -> ApiResult<bool> {
    panic!("FIDO is not enabled here")
}

fn accepted(used_recovery: Option<String>, totp_step: Option<u64>) -> Proof {
    Proof::Accepted {
        used_recovery,
        totp_step,
        email_code: None,
    }
}

#[test]
fn codes_and_recovery_codes_are_checked() {
    let key = SecretKey::ephemeral();
    let secret = new_secret();
    let factors = TwoFactor {
        active: true,
        totp_enabled: true,
        totp_secret: Some(secret.clone()),
        recovery_hashes: vec![hash_recovery(&key, "ABCDE12345")],
        ..TwoFactor::default()
    };
    let step = current_step();
    let code = code_for_step(&secret, "ann@studio.com", step).unwrap();
    // The step comes back, for the caller to refuse it next time; one step of skew
    // either way is accepted.
    assert_eq!(
        check(&factors, "ann@studio.com", &key, &totp(&code), 0, no_fido).unwrap(),
        accepted(None, Some(step))
    );
    let next = code_for_step(&secret, "ann@studio.com", step + 1).unwrap();
    assert_eq!(
        matched_step(&secret, "ann@studio.com", &next).unwrap(),
        Some(step + 1)
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        check(&factors, "ann@studio.com", &key, &totp(wrong), 0, no_fido).unwrap(),
        Proof::Wrong
    );
    assert_eq!(
        check(
            &factors,
            "ann@studio.com",
            &key,
            &Offered::default(),
            0,
            no_fido
        )
        .unwrap(),
        Proof::Missing
    );
    let recovery = Offered {
        recovery_code: Some("abcde12345"),
        ..Offered::default()
    };
    assert_eq!(
        check(&factors, "ann@studio.com", &key, &recovery, 0, no_fido).unwrap(),
        accepted(Some(hash_recovery(&key, "ABCDE12345")), None)
    );
    let (url, qr) = provisioning(&secret, "ann@studio.com").unwrap();
    assert!(
        url.starts_with("otpauth://totp/Drover:ann%40studio.com?"),
        "{url}"
    );
    assert!(!qr.is_empty());
    let (codes, hashes) = new_recovery_codes(&key);
    assert_eq!(codes.len(), RECOVERY_CODES);
    assert_eq!(hashes[0], hash_recovery(&key, &codes[0]));
    assert_ne!(
        hashes[0],
        hash_recovery(&SecretKey::ephemeral(), &codes[0]),
        "keyed"
    );
    assert_eq!(enabled_names(&factors), ["recovery_code", "totp"]);
}

#[test]
fn the_first_enabled_factor_offered_is_the_one_checked() {
    let key = SecretKey::ephemeral();
    let factors = TwoFactor {
        active: true,
        fido_enabled: true,
        recovery_hashes: vec![hash_recovery(&key, "ABCDE12345")],
        ..TwoFactor::default()
    };
    assert_eq!(enabled_names(&factors), ["recovery_code", "fido"]);
    let answer = json!({"id": "key"});
    // TOTP is not enabled, so a code is passed over for the key's answer.
    let both = Offered {
        totp: Some("123456"),
        fido: Some(&answer),
        recovery_code: Some("ABCDE12345"),
        ..Offered::default()
    };
    assert_eq!(
        check(&factors, "ann", &key, &both, 0, |a| Ok(a["id"] == "key")).unwrap(),
        accepted(None, None)
    );
    assert_eq!(
        check(&factors, "ann", &key, &both, 0, |_| Ok(false)).unwrap(),
        Proof::Wrong
    );
    // An empty answer is no answer: the recovery code is next.
    let empty = json!({});
    let recovery = Offered {
        fido: Some(&empty),
        recovery_code: Some("ABCDE12345"),
        ..Offered::default()
    };
    assert!(matches!(
        check(&factors, "ann", &key, &recovery, 0, no_fido).unwrap(),
        Proof::Accepted {
            used_recovery: Some(_),
            totp_step: None,
            email_code: None,
        }
    ));
    assert_eq!(
        check(&factors, "ann", &key, &totp("123456"), 0, no_fido).unwrap(),
        Proof::Missing
    );
}

#[test]
fn no_factor_means_no_code() {
    let factors = TwoFactor::default();
    assert_eq!(
        check(
            &factors,
            "x",
            &SecretKey::ephemeral(),
            &Offered::default(),
            0,
            no_fido
        )
        .unwrap(),
        accepted(None, None)
    );
}

#[test]
fn an_emailed_code_is_right_for_its_person_until_it_expires() {
    let key = SecretKey::ephemeral();
    let ann = UserId(uuid::Uuid::new_v4());
    let code = new_email_code();
    assert_eq!(code.len(), 6);
    let hash = hash_account_secret(&key, ann, &code);
    let factors = TwoFactor {
        person: Some(ann),
        active: true,
        email_otp_enabled: true,
        email_otp: Some((hash.clone(), 1_000)),
        ..TwoFactor::default()
    };
    assert_eq!(enabled_names(&factors), ["recovery_code", "email_otp"]);
    let offered = |code| Offered {
        email_otp: Some(code),
        ..Offered::default()
    };
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    assert_eq!(
        check(&factors, "ann", &key, &offered(&spaced), 999, no_fido).unwrap(),
        Proof::Accepted {
            used_recovery: None,
            totp_step: None,
            email_code: Some(hash.clone()),
        }
    );
    assert_eq!(
        check(&factors, "ann", &key, &offered(&code), 1_000, no_fido).unwrap(),
        Proof::Wrong,
        "expired"
    );
    let other = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(
        check(&factors, "ann", &key, &offered(other), 0, no_fido).unwrap(),
        Proof::Wrong
    );
    assert_ne!(
        hash,
        hash_account_secret(&key, UserId(uuid::Uuid::new_v4()), &code),
        "bound to its person"
    );
    assert_eq!(
        check(&factors, "ann", &key, &Offered::default(), 0, no_fido).unwrap(),
        Proof::Missing
    );
}

#[test]
fn secrets_stored_in_the_clear_are_sealed_at_start() {
    let conn = crate::db::test_conn();
    let key = SecretKey::ephemeral();
    let ann = db::users::insert(&conn, "ann@x", "h", drover_shared::Role::Artist)
        .unwrap()
        .id;
    let secret = new_secret();
    db::users::set_totp(&conn, ann, Some(&secret), true).unwrap();
    // What an older server stored: bare SHA-256 hex of the code.
    let legacy: String = Sha256::digest(b"ABCDE12345")
        .iter()
        .fold(String::new(), |hex, b| hex + &format!("{b:02x}"));
    db::users::set_recovery_hashes(&conn, ann, &[legacy]).unwrap();

    let done = seal_stored(&conn, &key).unwrap();
    assert_eq!((done.sealed, done.rekeyed), (1, 1));
    let factors = db::users::two_factor(&conn, ann).unwrap();
    let stored = factors.totp_secret.unwrap();
    assert!(SecretKey::is_sealed(&stored) && !stored.contains(&secret));
    assert_eq!(open_secret(&key, ann, &stored).unwrap(), secret);
    assert_eq!(
        factors.recovery_hashes,
        vec![hash_recovery(&key, "abcde12345")]
    );
    // Once is enough; another key opens nothing.
    let again = seal_stored(&conn, &key).unwrap();
    assert_eq!(
        again,
        Sealing {
            opened: 1,
            ..Sealing::default()
        }
    );
    // A wrong key changes nothing, not even what is still in the clear.
    let bob = db::users::insert(&conn, "bob@x", "h", drover_shared::Role::Artist)
        .unwrap()
        .id;
    db::users::set_totp(&conn, bob, Some("PLAIN"), false).unwrap();
    let wrong = seal_stored(&conn, &SecretKey::ephemeral()).unwrap();
    assert_eq!((wrong.unopened, wrong.sealed), (1, 0));
    assert_eq!(
        db::users::two_factor(&conn, bob)
            .unwrap()
            .totp_secret
            .as_deref(),
        Some("PLAIN")
    );
    assert!(open_secret(&SecretKey::ephemeral(), ann, &stored).is_err());
}
