//! Shell words as start scripts, Procfiles and Dockerfile steps hold them, after `shlex` has
//! split them. A leaf module of pure string functions: the one place that says what a leading
//! `NAME=value` word is (discovery's start scripts, generate's Procfile and Node steps,
//! verify's launch steps).

/// `NAME=value` with a POSIX shell variable name (a letter or `_`, then letters, digits and
/// `_`): the name and the value.
pub fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some((name, value))
}

/// Whether `word` is a `NAME=value` assignment ([`assignment`]).
pub fn is_assignment(word: &str) -> bool {
    assignment(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shell_variable_names_assign() {
        assert_eq!(
            assignment("NODE_ENV=production"),
            Some(("NODE_ENV", "production"))
        );
        assert_eq!(assignment("_X=a=b"), Some(("_X", "a=b")));
        assert_eq!(assignment("A1="), Some(("A1", "")));
        for word in ["=x", "1A=x", "A-B=x", "--opt=x", "./a=b", "plain"] {
            assert_eq!(assignment(word), None, "{word}");
        }
    }
}
