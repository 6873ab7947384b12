//! The package part of a bare import specifier (`@scope/name/sub` -> `@scope/name`,
//! `name/sub` -> `name`), as Node splits it before looking in `node_modules`. Text only.

/// The package a bare specifier names; the specifier itself when it has no subpath.
pub fn package_name(specifier: &str) -> &str {
    let mut ends = specifier.match_indices('/').map(|(i, _)| i);
    let end = if specifier.starts_with('@') {
        ends.nth(1)
    } else {
        ends.next()
    };
    &specifier[..end.unwrap_or(specifier.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_of_bare_specifiers() {
        assert_eq!(package_name("@acme/api/dist/x"), "@acme/api");
        assert_eq!(package_name("@acme/api"), "@acme/api");
        assert_eq!(package_name("lodash/fp"), "lodash");
        assert_eq!(package_name("lodash"), "lodash");
    }
}
