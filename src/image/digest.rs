//! Content digests: parsing `sha256:<hex>` strings from descriptors, and hashing bytes as they
//! stream past so a blob is verified in the same single read that interprets it.

use sha2::{Digest as _, Sha256};

/// A validated `sha256:<64 lowercase hex>` digest. Other algorithms are refused: every builder
/// writes sha256, and a digest isogen cannot check must not pass as checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Sha256Digest(String);

impl Sha256Digest {
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((algorithm, hex)) = text.split_once(':') else {
            return Err(format!("`{text}` is not a digest (expected sha256:<hex>)"));
        };
        if algorithm != "sha256" {
            return Err(format!(
                "digest `{text}` uses {algorithm}; isogen verifies sha256 digests only"
            ));
        }
        if !is_sha256_hex(hex) {
            return Err(format!(
                "`{text}` is not a valid sha256 digest (expected 64 lowercase hex digits)"
            ));
        }
        Ok(Sha256Digest(text.to_string()))
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        is_sha256_hex(hex).then(|| Sha256Digest(format!("sha256:{hex}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// Where an OCI image layout keeps this blob.
    pub fn blob_path(&self) -> String {
        format!("blobs/sha256/{}", self.hex())
    }

    pub fn of(bytes: &[u8]) -> Self {
        let mut state = HashState::default();
        state.update(bytes);
        state.finish()
    }
}

impl std::fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn is_sha256_hex(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A running sha256 plus a byte count.
#[derive(Default, Clone)]
pub(crate) struct HashState {
    hasher: Sha256,
    pub bytes: u64,
}

impl HashState {
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
    }

    pub fn finish(self) -> Sha256Digest {
        let digest = self.hasher.finalize();
        let mut text = String::with_capacity(71);
        text.push_str("sha256:");
        for byte in digest.iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        Sha256Digest(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_what_streams_past() {
        let mut state = HashState::default();
        state.update(b"hel");
        state.update(b"lo");
        assert_eq!(state.bytes, 5);
        assert_eq!(
            state.finish().as_str(),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn refuses_other_algorithms_and_bad_hex() {
        assert!(Sha256Digest::parse("sha512:abcd")
            .unwrap_err()
            .contains("sha512"));
        assert!(Sha256Digest::parse("sha256:ABCD").is_err());
        assert!(Sha256Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(Sha256Digest::parse("nocolon").is_err());
        let ok = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            Sha256Digest::parse(&ok).unwrap().blob_path(),
            format!("blobs/sha256/{}", "a".repeat(64))
        );
    }
}
