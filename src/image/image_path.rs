//! [`ImagePath`]: a path of the image filesystem, in one allocation of exactly its length (a
//! `Box<str>`: 16 bytes inline, no capacity, no reference counts; the merged tree finds an
//! entry by its own path, so nothing else needs to share it).
//!
//! It reads as a `str` (deref, `Borrow<str>` for map lookups by `&str`, the same order and
//! hash), so nothing here may make it compare, sort or print differently from the text itself.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// An absolute, normalised path of the image (`/app/dist/main.js`), immutable.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ImagePath(Box<str>);

impl ImagePath {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for ImagePath {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for ImagePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ImagePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ImagePath {
    fn from(path: String) -> Self {
        ImagePath(path.into_boxed_str())
    }
}

impl From<&str> for ImagePath {
    fn from(path: &str) -> Self {
        ImagePath(Box::from(path))
    }
}

impl From<ImagePath> for String {
    fn from(path: ImagePath) -> Self {
        path.0.into_string()
    }
}

impl PartialEq<str> for ImagePath {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for ImagePath {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for ImagePath {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<ImagePath> for str {
    fn eq(&self, other: &ImagePath) -> bool {
        self == &*other.0
    }
}

impl PartialEq<ImagePath> for &str {
    fn eq(&self, other: &ImagePath) -> bool {
        *self == &*other.0
    }
}

impl fmt::Display for ImagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for ImagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl serde::Serialize for ImagePath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ImagePath;
    use std::collections::BTreeMap;

    #[test]
    fn image_paths_sort_and_are_found_as_text() {
        let mut tree = BTreeMap::new();
        for p in ["/b", "/a/c", "/a", "/a-b"] {
            tree.insert(ImagePath::from(p), ());
        }
        let keys: Vec<&str> = tree.keys().map(ImagePath::as_str).collect();
        assert_eq!(keys, ["/a", "/a-b", "/a/c", "/b"]);
        assert!(tree.contains_key("/a/c"));
        let copy = ImagePath::from("/x/y").clone();
        assert_eq!(
            serde_json::to_string(&copy).ok().as_deref(),
            Some("\"/x/y\"")
        );
    }
}
