//! The service refuses to start without a proper signing key, and says why without saying it.

use perfeval::config::{Secret, Settings};
use perfeval::startup::{StartupError, authenticator};

fn settings(secret: Option<&str>, dev: bool) -> Settings {
    Settings {
        jwt_secret: secret.map(|s| Secret::from(s.to_owned())),
        dev,
        ..Settings::for_tests(String::new())
    }
}

#[test]
fn without_a_secret_the_service_refuses_to_start_unless_in_dev_mode() {
    let refused = authenticator(&settings(None, false))
        .err()
        .expect("refused");
    assert!(matches!(refused, StartupError::Configuration(_)));
    assert!(refused.to_string().contains("JWT_SECRET is not set"));
    assert!(authenticator(&settings(None, true)).is_ok());
}

#[test]
fn a_short_secret_is_refused_and_not_repeated() {
    let refused = authenticator(&settings(Some("short-secret-31-bytes-long-xxxx"), false))
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("shorter than 32 bytes"));
    assert!(!refused.to_string().contains("short-secret"));
    assert!(authenticator(&settings(Some("a-secret-that-is-32-bytes-long!!"), false)).is_ok());
}

#[test]
fn a_portal_key_needs_its_issuer_and_audience() {
    let mut portal = settings(Some("a-secret-that-is-32-bytes-long!!"), false);
    portal.jwt_public_key = Some(format!(
        "{}/tests/fixtures/keys/portal-ed25519.pub.pem",
        env!("CARGO_MANIFEST_DIR")
    ));
    assert!(
        authenticator(&portal)
            .err()
            .expect("refused")
            .to_string()
            .contains("JWT_ISSUER")
    );
    portal.jwt_issuer = Some("portal".to_owned());
    portal.jwt_audience = Some("perfeval".to_owned());
    assert!(authenticator(&portal).is_ok());
    portal.jwt_public_key =
        Some("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----".to_owned());
    assert!(authenticator(&portal).is_err());
}
