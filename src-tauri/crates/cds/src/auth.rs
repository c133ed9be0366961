//! How the workspace proves itself to a service (CDS Hooks 2.0, "Trusting CDS
//! Clients"): every call, discovery included, carries `Authorization: Bearer` with a
//! JWT signed by the workspace's own ES384 key, whose audience is the exact URL called.
//! IT registers the public key (`arbeidsflate cds --jwks`) with the service out of band.

use chrono::{DateTime, Utc};
use helseid::SigningKey;
use serde_json::json;
use std::sync::Arc;

/// How long a call's token is good for: well within the five minutes the spec allows,
/// and longer than any deadline a service gets.
pub const TOKEN_LIFETIME_SECONDS: i64 = 120;

/// The workspace as a CDS client: its identifier (`iss`) and its key.
#[derive(Clone)]
pub struct ClientIdentity {
    pub issuer: String,
    pub key: Arc<SigningKey>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity").field("issuer", &self.issuer).field("kid", &self.key.kid()).finish()
    }
}

impl ClientIdentity {
    /// A token for one call to `audience` (the URL called, exactly), at `now`.
    pub fn token_for(&self, audience: &str, now: DateTime<Utc>) -> String {
        let issued = now.timestamp();
        let claims = json!({
            "iss": self.issuer,
            "aud": audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
            "jti": crate::random_id(),
        });
        self.key.sign("JWT", &claims, false)
    }

    /// The public key as a JWKS document, for IT to register with each service.
    pub fn jwks(&self) -> serde_json::Value {
        json!({"keys": [self.key.public_jwk()]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use helseid::Curve;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    #[test]
    fn a_call_token_is_es384_for_the_exact_url_and_short_lived() {
        let identity =
            ClientIdentity { issuer: "arbeidsflate-test".into(), key: Arc::new(SigningKey::generate_on(Curve::P384)) };
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        let url = "https://cds.example.no/cds-services/vurdering";
        let token = identity.token_for(url, now);
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::ES384, Some(identity.key.kid())));
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(identity.jwks()["keys"][0].clone()).unwrap();
        let mut rules = Validation::new(Algorithm::ES384);
        rules.set_audience(&[url]);
        rules.set_issuer(&["arbeidsflate-test"]);
        rules.validate_exp = false; // the token is from a fixed instant, not today
        let claims = jsonwebtoken::decode::<serde_json::Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &rules)
            .unwrap()
            .claims;
        assert_eq!(claims["iat"], now.timestamp());
        assert!(claims["exp"].as_i64().unwrap() - now.timestamp() <= 300);
        // Another URL is another audience, and each token has its own jti.
        let other = identity.token_for(&format!("{url}/feedback"), now);
        rules.set_audience(&[url]);
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&other, &DecodingKey::from_jwk(&jwk).unwrap(), &rules).is_err()
        );
        let jti = |t: &str| {
            let payload = t.split('.').nth(1).unwrap();
            use base64::Engine;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["jti"].clone()
        };
        assert_ne!(jti(&token), jti(&identity.token_for(url, now)));
        assert!(!format!("{identity:?}").contains(identity.key.to_storage().expose()));
    }
}
