//! What every HelseID call costs the client in signing: a DPoP proof (every token
//! request and every API call) and a client assertion (every token request).
//!   cargo bench -p helseid --bench proofs

use criterion::{criterion_group, criterion_main, Criterion};
use helseid::proofs::{client_assertion, dpop_proof};
use helseid::SigningKey;
use std::hint::black_box;

/// Any fixed instant: signing costs the same whenever it is.
const NOW: i64 = 1_795_000_000;

fn proofs(c: &mut Criterion) {
    let key = SigningKey::generate();
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl";
    c.bench_function("dpop proof toward an API (with ath)", |b| {
        b.iter(|| {
            dpop_proof(&key, "GET", black_box("https://api.example/fhir/Patient?x=1"), Some("nonce"), Some(token), NOW)
        })
    });
    c.bench_function("client assertion (private_key_jwt)", |b| {
        b.iter(|| client_assertion(&key, black_box("client-id"), "https://helseid-sts.test.nhn.no", None, NOW))
    });
    c.bench_function("key generation (P-256)", |b| b.iter(SigningKey::generate));
}

criterion_group!(benches, proofs);
criterion_main!(benches);
