//! age's hybrid post-quantum key type, `mlkem768x25519`: `age1pq1…` recipients and
//! `AGE-SECRET-KEY-PQ-1…` identities, as age 1.3 and typage make them.
//!
//! **To be replaced by the age crate's own type the day a release carries one** (it is on
//! an unreleased branch, str4d/rage#632). Until then this file composes released
//! primitives exactly as C2SP's age specification says, and adds no cryptography:
//!
//! - the stanza is `-> mlkem768x25519 BASE64(enc)` with the wrapped file key as its body:
//!   HPKE (RFC 9180, crate `hpke`) base mode with KDF HKDF-SHA256, AEAD ChaCha20-Poly1305,
//!   info `age-encryption.org/mlkem768x25519`, the KEM below, and an empty AAD. age-core's
//!   `hpke_seal`/`hpke_open` fix those parameters;
//! - the KEM is MLKEM768-X25519 (KEM id 0x647a), which is X-Wing
//!   (draft-connolly-cfrg-xwing-kem): ML-KEM-768 (FIPS 203, crate `ml-kem`) and X25519
//!   (crate `x25519-dalek`), their shared secrets combined with SHA3-256 (crate `sha3`)
//!   as `SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ "\.//^\")`;
//! - the private key is a 32-byte seed, expanded with SHAKE256 to 96 bytes: ML-KEM's
//!   `d ‖ z` (64) for its deterministic key generation, then the X25519 scalar (32);
//! - the public key is `pk_M ‖ pk_X` (1,184 + 32 bytes), the encapsulation `ct_M ‖ ct_X`
//!   (1,088 + 32 bytes); both are bech32 without the length limit (age-core's encoding).
//!
//! Beyond the KEM itself, age requires what the CCTV vectors check: an X25519 share whose
//! shared secret is all zeros is refused, a stanza with other arguments, a non-canonical
//! or wrong-length share, or a body that is not exactly a wrapped 16-byte key is a header
//! error, and a share that does not open the body is "not for this key". The recipient
//! carries the `postquantum` label, so the age encryptor refuses to mix it with a classic
//! recipient.
//!
//! Every `hybrid*` CCTV vector runs through this type (tests/pq.rs), typage opens what it
//! seals and it opens what typage seals.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use age_core::format::{FileKey, Stanza, FILE_KEY_BYTES};
use age_core::primitives::{bech32_decode, bech32_encode, hpke_open, hpke_seal};
use age_core::secrecy::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hpke::generic_array::typenum::{Sum, Unsigned, U32};
use hpke::kem::SharedSecret;
use hpke::{Deserializable, HpkeError, Serializable};
use ml_kem::kem::{Decapsulate, Encapsulate};
use ml_kem::{Ciphertext, EncodedSizeUser, KemCore, MlKem768};
use rand::rngs::OsRng;
use rand::{CryptoRng, RngCore};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Digest, Sha3_256, Shake256};
use zeroize::{Zeroize, Zeroizing};

/// The stanza type.
pub const STANZA_TAG: &str = "mlkem768x25519";
/// HPKE's `info`.
const HPKE_INFO: &[u8] = b"age-encryption.org/mlkem768x25519";
/// The label age's encryptor compares: every recipient of a file must carry the same set.
pub const POSTQUANTUM_LABEL: &str = "postquantum";
/// X-Wing's combiner label, `\.//^\`.
const XWING_LABEL: &[u8] = b"\\.//^\\";

const RECIPIENT_HRP: &str = "age1pq";
const IDENTITY_HRP: &str = "age-secret-key-pq-";

type MlKemPublicSize = <<MlKem768 as KemCore>::EncapsulationKey as EncodedSizeUser>::EncodedSize;
type MlKemCiphertextSize = <MlKem768 as KemCore>::CiphertextSize;
const X25519_LEN: usize = 32;
const WRAPPED_FILE_KEY_LEN: usize = FILE_KEY_BYTES + 16;

/// The private key: the seed, and what it expands to.
#[derive(Clone)]
pub struct PrivateKey {
    seed: [u8; 32],
    dk_m: <MlKem768 as KemCore>::DecapsulationKey,
    sk_x: x25519_dalek::StaticSecret,
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.seed == other.seed
    }
}
impl Eq for PrivateKey {}

impl PrivateKey {
    fn from_seed(seed: [u8; 32]) -> Self {
        let mut expanded = Zeroizing::new([0u8; 96]);
        Shake256::default()
            .chain(seed)
            .finalize_xof()
            .read(&mut *expanded);
        let mut d = Zeroizing::new([0u8; 32]);
        let mut z = Zeroizing::new([0u8; 32]);
        let mut sk_x = Zeroizing::new([0u8; 32]);
        d.copy_from_slice(&expanded[..32]);
        z.copy_from_slice(&expanded[32..64]);
        sk_x.copy_from_slice(&expanded[64..]);
        let (dk_m, _) = MlKem768::generate_deterministic(&(*d).into(), &(*z).into());
        PrivateKey {
            seed,
            dk_m,
            sk_x: x25519_dalek::StaticSecret::from(*sk_x),
        }
    }
}

impl Serializable for PrivateKey {
    type OutputSize = U32;
    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.seed);
    }
}

impl Deserializable for PrivateKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let seed = encoded
            .try_into()
            .map_err(|_| HpkeError::IncorrectInputLength(32, encoded.len()))?;
        Ok(PrivateKey::from_seed(seed))
    }
}

/// The public key, `pk_M ‖ pk_X`.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    ek_m: <MlKem768 as KemCore>::EncapsulationKey,
    pk_x: x25519_dalek::PublicKey,
}

// ml-kem's key has only PartialEq; its equality is byte equality, which is total.
impl Eq for PublicKey {}

impl Serializable for PublicKey {
    type OutputSize = Sum<MlKemPublicSize, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        let (m, x) = buf.split_at_mut(MlKemPublicSize::USIZE);
        m.copy_from_slice(&self.ek_m.as_bytes());
        x.copy_from_slice(self.pk_x.as_bytes());
    }
}

impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        if encoded.len() != Self::OutputSize::USIZE {
            return Err(HpkeError::IncorrectInputLength(
                Self::OutputSize::USIZE,
                encoded.len(),
            ));
        }
        let (m, x) = encoded.split_at(MlKemPublicSize::USIZE);
        let ek_m = <MlKem768 as KemCore>::EncapsulationKey::from_bytes(
            m.try_into().map_err(|_| HpkeError::ValidationError)?,
        );
        // FIPS 203's encapsulation key check: every coefficient is reduced, which is the
        // same as the key encoding back to the bytes it was decoded from.
        if ek_m.as_bytes().as_slice() != m {
            return Err(HpkeError::ValidationError);
        }
        let pk_x: [u8; 32] = x.try_into().map_err(|_| HpkeError::ValidationError)?;
        let pk_x = x25519_dalek::PublicKey::from(pk_x);
        // A low-order X25519 half gives every sender the all-zero secret, which sealing
        // refuses: refuse the key now, not halfway through a seal. (A clamped scalar is a
        // multiple of 8, so it maps every low-order point to the identity.)
        let probe = x25519_dalek::StaticSecret::from([1u8; 32]);
        if !probe.diffie_hellman(&pk_x).was_contributory() {
            return Err(HpkeError::ValidationError);
        }
        Ok(PublicKey { ek_m, pk_x })
    }
}

/// The encapsulation, `ct_M ‖ ct_X`.
#[derive(Clone)]
pub struct Encapsulation {
    ct_m: Ciphertext<MlKem768>,
    ct_x: [u8; X25519_LEN],
}

impl Serializable for Encapsulation {
    type OutputSize = Sum<MlKemCiphertextSize, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        let (m, x) = buf.split_at_mut(MlKemCiphertextSize::USIZE);
        m.copy_from_slice(&self.ct_m);
        x.copy_from_slice(&self.ct_x);
    }
}

impl Deserializable for Encapsulation {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        if encoded.len() != Self::OutputSize::USIZE {
            return Err(HpkeError::IncorrectInputLength(
                Self::OutputSize::USIZE,
                encoded.len(),
            ));
        }
        let (m, x) = encoded.split_at(MlKemCiphertextSize::USIZE);
        Ok(Encapsulation {
            ct_m: Ciphertext::<MlKem768>::try_from(m).map_err(|_| HpkeError::ValidationError)?,
            ct_x: x.try_into().map_err(|_| HpkeError::ValidationError)?,
        })
    }
}

/// The KEM, for the `hpke` crate.
pub struct MlKem768X25519;

/// X-Wing's combiner.
fn combine(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> SharedSecret<MlKem768X25519> {
    let digest = Sha3_256::new()
        .chain_update(ss_m)
        .chain_update(ss_x)
        .chain_update(ct_x)
        .chain_update(pk_x)
        .chain_update(XWING_LABEL)
        .finalize();
    let mut secret = SharedSecret::<MlKem768X25519>::default();
    secret.0.copy_from_slice(&digest);
    secret
}

impl hpke::Kem for MlKem768X25519 {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = Encapsulation;
    type NSecret = U32;
    const KEM_ID: u16 = 0x647a;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        PublicKey {
            ek_m: sk.dk_m.encapsulation_key().clone(),
            pk_x: (&sk.sk_x).into(),
        }
    }

    /// HPKE's DeriveKeyPair for this KEM: the seed is SHAKE256 over the labelled input
    /// (draft-ietf-hpke-pq). The hpke crate requires it; age never derives keys, it draws
    /// the seed from the OS.
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let mut seed = [0u8; 32];
        Shake256::default()
            .chain(ikm)
            .chain(b"HPKE-v1")
            .chain(b"KEM")
            .chain(Self::KEM_ID.to_be_bytes())
            .chain((b"DeriveKeyPair".len() as u16).to_be_bytes())
            .chain(b"DeriveKeyPair")
            .chain(32u16.to_be_bytes())
            .finalize_xof()
            .read(&mut seed);
        let sk = PrivateKey::from_seed(seed);
        let pk = Self::sk_to_pk(&sk);
        (sk, pk)
    }

    fn decap(
        sk: &PrivateKey,
        pk_sender_id: Option<&PublicKey>,
        enc: &Encapsulation,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        // Base mode only: age has no sender authentication.
        if pk_sender_id.is_some() {
            return Err(HpkeError::DecapError);
        }
        let ss_m = sk
            .dk_m
            .decapsulate(&enc.ct_m)
            .map_err(|()| HpkeError::DecapError)?;
        let ss_x = sk
            .sk_x
            .diffie_hellman(&x25519_dalek::PublicKey::from(enc.ct_x));
        if !ss_x.was_contributory() {
            return Err(HpkeError::DecapError);
        }
        let pk_x = x25519_dalek::PublicKey::from(&sk.sk_x);
        Ok(combine(&ss_m, ss_x.as_bytes(), &enc.ct_x, pk_x.as_bytes()))
    }

    fn encap<R: CryptoRng + RngCore>(
        pk: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        rng: &mut R,
    ) -> Result<(SharedSecret<Self>, Encapsulation), HpkeError> {
        if sender_id_keypair.is_some() {
            return Err(HpkeError::EncapError);
        }
        let (ct_m, ss_m) = pk
            .ek_m
            .encapsulate(rng)
            .map_err(|()| HpkeError::EncapError)?;
        let ek_x = x25519_dalek::EphemeralSecret::random_from_rng(&mut *rng);
        let ct_x = x25519_dalek::PublicKey::from(&ek_x);
        let ss_x = ek_x.diffie_hellman(&pk.pk_x);
        if !ss_x.was_contributory() {
            return Err(HpkeError::EncapError);
        }
        let secret = combine(&ss_m, ss_x.as_bytes(), ct_x.as_bytes(), pk.pk_x.as_bytes());
        Ok((
            secret,
            Encapsulation {
                ct_m,
                ct_x: ct_x.to_bytes(),
            },
        ))
    }
}

/// An `age1pq1…` recipient.
#[derive(Clone)]
pub struct Recipient(PublicKey);

impl FromStr for Recipient {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        bech32_decode(
            text,
            |_| "not valid bech32 (damaged or truncated)",
            |hrp| {
                (hrp.as_str() == RECIPIENT_HRP)
                    .then_some(())
                    .ok_or("not an age1pq1 recipient")
            },
            |_, bytes| {
                PublicKey::from_bytes(&bytes.collect::<Vec<u8>>())
                    .map(Recipient)
                    .map_err(|_| "not a valid ML-KEM-768 + X25519 public key")
            },
        )
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = bech32::Hrp::parse_unchecked(RECIPIENT_HRP);
        f.write_str(&bech32_encode(hrp, &self.0.to_bytes()))
    }
}

impl age::Recipient for Recipient {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let (enc, body) = hpke_seal::<MlKem768X25519, _>(
            &self.0,
            HPKE_INFO,
            file_key.expose_secret(),
            &mut OsRng,
        );
        let stanza = Stanza {
            tag: STANZA_TAG.to_string(),
            args: vec![STANDARD_NO_PAD.encode(enc.to_bytes())],
            body,
        };
        Ok((vec![stanza], HashSet::from([POSTQUANTUM_LABEL.to_string()])))
    }
}

/// An `AGE-SECRET-KEY-PQ-1…` identity.
#[derive(Clone)]
pub struct Identity(PrivateKey);

impl Identity {
    /// A new identity from the operating system's generator.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        Identity(PrivateKey::from_seed(seed))
    }

    /// Its recipient.
    pub fn to_public(&self) -> Recipient {
        Recipient(<MlKem768X25519 as hpke::Kem>::sk_to_pk(&self.0))
    }

    /// The identity's text, upper case as age writes it.
    pub fn to_secret_string(&self) -> SecretString {
        let hrp = bech32::Hrp::parse_unchecked(IDENTITY_HRP);
        let lower = Zeroizing::new(bech32_encode(hrp, &self.0.seed));
        SecretString::from(lower.to_ascii_uppercase())
    }

    /// The seed, for keys derived from it (the runtime cache's MAC key).
    pub fn seed(&self) -> &[u8; 32] {
        &self.0.seed
    }
}

impl FromStr for Identity {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        bech32_decode(
            text,
            |_| "not valid bech32 (damaged or truncated)",
            |hrp| {
                (hrp.as_str().eq_ignore_ascii_case(IDENTITY_HRP))
                    .then_some(())
                    .ok_or("not an AGE-SECRET-KEY-PQ-1 identity")
            },
            |_, bytes| {
                let seed = Zeroizing::new(bytes.collect::<Vec<u8>>());
                let seed: [u8; 32] = seed[..]
                    .try_into()
                    .map_err(|_| "the key is not 32 bytes long")?;
                Ok(Identity(PrivateKey::from_seed(seed)))
            },
        )
    }
}

impl age::Identity for Identity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        if stanza.tag != STANZA_TAG {
            return None;
        }
        let header = || Some(Err(age::DecryptError::InvalidHeader));
        // One argument, the canonical base64 of an encapsulation of the right length,
        // and a body that is a wrapped 16-byte key: anything else is a malformed header.
        let [arg] = &stanza.args[..] else {
            return header();
        };
        let Ok(enc_bytes) = STANDARD_NO_PAD.decode(arg) else {
            return header();
        };
        let Ok(enc) = Encapsulation::from_bytes(&enc_bytes) else {
            return header();
        };
        if stanza.body.len() != WRAPPED_FILE_KEY_LEN {
            return header();
        }
        match hpke_open::<MlKem768X25519>(&enc, &self.0, HPKE_INFO, &stanza.body) {
            Ok(plain) => {
                let plain = Zeroizing::new(plain);
                let key: [u8; FILE_KEY_BYTES] = plain[..].try_into().ok()?;
                Some(Ok(FileKey::new(Box::new(key))))
            }
            // An all-zero X25519 secret: refused, as age refuses it.
            Err(HpkeError::DecapError) => header(),
            // Another key's stanza (ML-KEM's implicit rejection makes a wrong or damaged
            // share open nothing).
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip() {
        let identity = Identity::generate();
        let text = identity.to_secret_string();
        assert!(text.expose_secret().starts_with("AGE-SECRET-KEY-PQ-1"));
        let again = Identity::from_str(text.expose_secret()).unwrap();
        assert_eq!(again.seed(), identity.seed());
        let recipient = identity.to_public().to_string();
        assert!(recipient.starts_with("age1pq1"), "{recipient}");
        assert_eq!(
            Recipient::from_str(&recipient).unwrap().to_string(),
            recipient
        );
    }

    #[test]
    fn a_low_order_x25519_half_is_refused() {
        let good = Identity::generate().to_public().0.to_bytes();
        let mut bad = good.to_vec();
        bad[MlKemPublicSize::USIZE..].fill(0);
        assert!(PublicKey::from_bytes(&good).is_ok());
        assert!(PublicKey::from_bytes(&bad).is_err());
    }

    #[test]
    fn seal_and_open() {
        let identity = Identity::generate();
        let file_key = FileKey::new(Box::new([7; 16]));
        let (stanzas, labels) =
            age::Recipient::wrap_file_key(&identity.to_public(), &file_key).unwrap();
        assert_eq!(labels, HashSet::from(["postquantum".to_string()]));
        let opened = age::Identity::unwrap_stanza(&identity, &stanzas[0])
            .unwrap()
            .unwrap();
        assert_eq!(opened.expose_secret(), &[7; 16]);
        let other = Identity::generate();
        assert!(age::Identity::unwrap_stanza(&other, &stanzas[0]).is_none());
    }
}
