//! Keyed hashes of the planner: idempotency keys, offer codes and holdout buckets.
//! Each is a pure function of its inputs, so every run, binding and machine
//! derives the same values.

use hmac::{Hmac, KeyInit, Mac};
use sha2::digest::Update;
use sha2::{Digest, Sha256};

/// Crockford's base-32 alphabet: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Feeds length-prefixed fields (each an 8-byte big-endian length, then the
/// bytes), so `("a:b", "c")` and `("a", "b:c")` differ.
fn feed_framed(hash: &mut impl Update, parts: &[&str]) {
    for p in parts {
        hash.update(&(p.len() as u64).to_be_bytes());
        hash.update(p.as_bytes());
    }
}

/// HMAC-SHA256 under `key` of what `message` feeds it.
fn hmac(key: &[u8], message: impl FnOnce(&mut Hmac<Sha256>)) -> [u8; 32] {
    // HMAC accepts keys of any length; the fallback is never taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return [0; 32] };
    message(&mut mac);
    mac.finalize().into_bytes().into()
}

/// The idempotency key of a message: the first 128 bits of
/// SHA-256 over the length-prefixed (customer, flow, step, subject), in hex.
///
/// ```
/// use crm_core::campaign::idempotency_key;
/// let k = idempotency_key("c1", "cart_recovery", "reminder", "cart:k1");
/// assert_eq!(k.len(), 32);
/// assert_ne!(k, idempotency_key("c1", "cart_recovery", "reminder", "cart:k2"));
/// ```
pub fn idempotency_key(customer: &str, flow: &str, step: &str, subject: &str) -> String {
    let mut hash = Sha256::new();
    feed_framed(&mut hash, &[customer, flow, step, subject]);
    let digest = hash.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// An offer code: `PREFIX-` and `length` characters of Crockford base 32 taken
/// from HMAC-SHA256(secret, idempotency key), 5 bits each, most significant first.
///
/// With 6 characters (30 bits) a million codes of one prefix share a code
/// about 465 times (n²/2³¹), with 8 about 0.45 times, with 10 about once in 2,000 plans.
///
/// ```
/// use crm_core::campaign::offer_code;
/// let c = offer_code(b"shop-secret", "SEPET15", "0123abcd", 6);
/// assert!(c.starts_with("SEPET15-") && c.len() == 14);
/// assert_eq!(c, offer_code(b"shop-secret", "SEPET15", "0123abcd", 6));
/// assert_ne!(c, offer_code(b"other-secret", "SEPET15", "0123abcd", 6));
/// ```
pub fn offer_code(secret: &[u8], prefix: &str, key: &str, length: usize) -> String {
    let mac = hmac(secret, |m| Update::update(m, key.as_bytes()));
    let mut code = String::with_capacity(prefix.len() + 1 + length);
    code.push_str(prefix);
    code.push('-');
    for i in 0..length.min(51) {
        let bit = i * 5;
        let (byte, shift) = (bit / 8, bit % 8);
        let pair = u16::from(mac[byte]) << 8 | u16::from(*mac.get(byte + 1).unwrap_or(&0));
        let v = (pair >> (11 - shift)) & 0x1f;
        code.push(char::from(ALPHABET[usize::from(v)]));
    }
    code
}

/// The holdout bucket of a customer in a scope (`global` or a flow id): a
/// number in [0, 1) from the first 64 bits of HMAC-SHA256(key, scope ∥ customer),
/// length-prefixed. A customer is held out of a scope with holdout `p` percent
/// when the bucket is below `p / 100`: stable across runs, independent between scopes.
///
/// ```
/// use crm_core::campaign::holdout_bucket;
/// let b = holdout_bucket(b"k", "global", "c1");
/// assert!((0.0..1.0).contains(&b));
/// assert_eq!(b, holdout_bucket(b"k", "global", "c1"));
/// ```
pub fn holdout_bucket(key: &[u8], scope: &str, customer: &str) -> f64 {
    let mac = hmac(key, |m| feed_framed(m, &[scope, customer]));
    let mut first = [0u8; 8];
    first.copy_from_slice(&mac[..8]);
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_code_matches_python_hmac() {
        // python3 -c "import hmac,hashlib; d=hmac.new(b'shop-secret', b'0123abcd', hashlib.sha256).digest();
        //   n=int.from_bytes(d,'big'); A='0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        //   print(''.join(A[(n >> (256-5*(i+1))) & 31] for i in range(6)))"
        assert_eq!(offer_code(b"shop-secret", "SEPET15", "0123abcd", 6), format!("SEPET15-{}", PY_CODE));
    }

    // Filled in from the Python one-liner above.
    const PY_CODE: &str = "5ZWX80";

    #[test]
    fn idempotency_key_matches_python_sha256() {
        // python3: framed = b''.join(len(p).to_bytes(8,'big') + p for p in [b'c1', b'f', b's', b'x'])
        //          hashlib.sha256(framed).hexdigest()[:32]
        assert_eq!(idempotency_key("c1", "f", "s", "x"), PY_KEY);
    }

    const PY_KEY: &str = "1a4aab6aabe3f93371fd01521f735480";

    #[test]
    fn holdout_fraction_is_close_to_the_percentage() {
        let n = 20_000;
        let held = (0..n).filter(|i| holdout_bucket(b"key", "global", &format!("c{i}")) < 0.10).count();
        // Binomial(20000, 0.1): sd ≈ 42; 5 sd either side.
        assert!((1790..=2210).contains(&held), "{held}");
        let both = (0..n)
            .filter(|i| {
                holdout_bucket(b"key", "global", &format!("c{i}")) < 0.10
                    && holdout_bucket(b"key", "welcome", &format!("c{i}")) < 0.10
            })
            .count();
        assert!((100..=300).contains(&both), "{both}"); // independent scopes: about 1%
    }
}
