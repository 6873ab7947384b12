//! Writing small JSON objects by hand: the example services only answer with flat objects, so
//! a serializer would be more code to build than to write.

use std::fmt::Write;

/// A JSON value the services answer with.
pub enum Value<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
}

/// A flat JSON object, keys in the order given.
pub fn object(fields: &[(&str, Value<'_>)]) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, key);
        out.push(':');
        match value {
            Value::Str(s) => string(&mut out, s),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
    out.push('}');
    out
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_and_control_characters() {
        let json = object(&[
            ("a\"b", Value::Str("x\ny")),
            ("n", Value::Int(-3)),
            ("ok", Value::Bool(true)),
        ]);
        assert_eq!(json, r#"{"a\"b":"x\u000ay","n":-3,"ok":true}"#);
    }
}
