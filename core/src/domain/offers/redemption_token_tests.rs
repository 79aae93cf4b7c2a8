use super::*;
use ring::rand::SystemRandom;

fn key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn claims(key: &Ed25519KeyPair) -> RedemptionClaims {
    RedemptionClaims {
        kid: key_id(key.public_key().as_ref()),
        offer: "o-boutique-20".into(),
        instance: 7,
        merchant: "maison-lumiere".into(),
        iat: 1_764_011_100_000,
        exp: 1_764_016_320_000,
    }
}

const BEFORE_EXPIRY: Timestamp = Timestamp(1_764_011_160_000);

#[test]
fn a_token_verifies_with_its_key_until_its_expiry() {
    let key = key();
    let token = issue(&claims(&key), &key).unwrap();
    assert!(token.compact.starts_with("KR1.") && token.qr_payload == format!("kairos:r:{}", token.compact));
    assert!(token.compact.len() < 300, "{}", token.compact.len());
    let public = key.public_key().as_ref();
    for text in [&token.compact, &token.qr_payload] {
        assert_eq!(parse(text).unwrap().verify(public, BEFORE_EXPIRY).unwrap(), &claims(&key));
    }
    let at_expiry = Timestamp(claims(&key).exp);
    assert!(parse(&token.compact).unwrap().verify(public, at_expiry).is_ok());
    let after = Timestamp(claims(&key).exp + 1);
    assert_eq!(parse(&token.compact).unwrap().verify(public, after), Err(TokenError::Expired(at_expiry)));
}

#[test]
fn altered_claims_or_another_key_are_forged() {
    let key = key();
    let token = issue(&claims(&key), &key).unwrap();
    let public = key.public_key().as_ref();
    // The claims of another merchant, keeping the signature.
    let mut other = claims(&key);
    other.merchant = "valley-food-court".into();
    let other_claims = B64URL.encode(serde_json::to_vec(&other).unwrap());
    let signature = token.compact.rsplit_once('.').unwrap().1;
    let altered = format!("KR1.{other_claims}.{signature}");
    assert_eq!(parse(&altered).unwrap().verify(public, BEFORE_EXPIRY), Err(TokenError::Forged));
    // Signed by another key that claims this key's id.
    // (built by hand: `issue` checks the id against the signing key)
    let thief = self::key();
    let json = B64URL.encode(serde_json::to_vec(&claims(&key)).unwrap());
    let signed = format!("KR1.{json}");
    let forged = format!("{signed}.{}", B64URL.encode(thief.sign(signed.as_bytes()).as_ref()));
    assert_eq!(parse(&forged).unwrap().verify(public, BEFORE_EXPIRY), Err(TokenError::Forged));
    // The right signature checked with another key.
    assert_eq!(
        parse(&token.compact).unwrap().verify(thief.public_key().as_ref(), BEFORE_EXPIRY),
        Err(TokenError::Forged)
    );
}

#[test]
fn text_that_is_not_a_token_is_malformed_and_a_long_one_too_long() {
    for text in ["", "KR2.e30.AA", "KR1.e30", "KR1.!!.AA", "KR1.e30.AA", "KR1.bm90IGpzb24.AA"] {
        assert!(matches!(parse(text), Err(TokenError::Malformed(_))), "{text:?}");
    }
    let key = key();
    let mut long = claims(&key);
    long.offer = "o".repeat(500);
    assert_eq!(issue(&long, &key).map(|_| ()), Err(TokenError::TooLong(issue_len(&long, &key))));
    assert!(matches!(parse(&"A".repeat(601)), Err(TokenError::TooLong(601))));
}

fn issue_len(claims: &RedemptionClaims, key: &Ed25519KeyPair) -> usize {
    let json = serde_json::to_vec(claims).unwrap();
    let signed = format!("KR1.{}", B64URL.encode(json));
    signed.len() + 1 + B64URL.encode(key.sign(signed.as_bytes()).as_ref()).len()
}
