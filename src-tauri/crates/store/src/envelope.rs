//! Envelope encryption of the database key: AES-256-GCM under the master key, a fresh
//! nonce per wrap. The keys cannot be printed.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

/// The key that wraps each database key; the caller keeps it in the OS keyring.
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

pub(crate) fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    SystemRandom::new().fill(&mut key).expect("the system's random source");
    key
}

impl MasterKey {
    pub fn generate() -> Self {
        Self(random_key())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw bytes, to store in the keyring; never for logs or IPC.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("a 256-bit key"))
    }

    /// `nonce || ciphertext || tag`.
    pub(crate) fn wrap_key(&self, key: &[u8; 32]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("the system's random source");
        let mut sealed = key.to_vec();
        self.aead()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(b"arbeidsflate-cache-key"),
                &mut sealed,
            )
            .expect("sealing 32 bytes");
        [nonce.as_slice(), &sealed].concat()
    }

    /// `None` when the wrapped key was not made by this master key (or was altered).
    pub(crate) fn unwrap_key(&self, wrapped: &[u8]) -> Option<[u8; 32]> {
        let (nonce, sealed) = wrapped.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = sealed.to_vec();
        let plain = self.aead().open_in_place(nonce, Aad::from(b"arbeidsflate-cache-key"), &mut buf).ok()?;
        plain.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_unwraps_only_with_its_master_key_and_unaltered() {
        let master = MasterKey::generate();
        let key = random_key();
        let wrapped = master.wrap_key(&key);
        assert_eq!(master.unwrap_key(&wrapped), Some(key));
        assert_eq!(MasterKey::generate().unwrap_key(&wrapped), None);
        let mut altered = wrapped.clone();
        altered[20] ^= 1;
        assert_eq!(master.unwrap_key(&altered), None);
        assert_eq!(master.unwrap_key(&wrapped[..5]), None);
        assert_ne!(master.wrap_key(&key), wrapped, "a fresh nonce per wrap");
        assert_eq!(format!("{master:?}"), "MasterKey(…)");
    }
}
