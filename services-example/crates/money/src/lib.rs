//! Amounts in minor units (cents) with a currency, and their JSON form.

use wire::{object, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    pub currency: &'static str,
}

impl Amount {
    pub fn eur(minor: i64) -> Amount {
        Amount {
            minor,
            currency: "EUR",
        }
    }

    /// `12.34 EUR`
    pub fn display(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }

    pub fn to_json(&self) -> String {
        object(&[
            ("minor", Value::Int(self.minor)),
            ("currency", Value::Str(self.currency)),
            ("display", Value::Str(&self.display())),
        ])
    }
}

/// The sum of `amounts`, which must share one currency.
pub fn total(amounts: &[Amount]) -> Option<Amount> {
    let first = amounts.first()?;
    amounts
        .iter()
        .all(|a| a.currency == first.currency)
        .then(|| Amount {
            minor: amounts.iter().map(|a| a.minor).sum(),
            currency: first.currency,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_negative_amounts_and_sums_one_currency() {
        assert_eq!(Amount::eur(-105).display(), "-1.05 EUR");
        assert_eq!(
            total(&[Amount::eur(250), Amount::eur(-50)]),
            Some(Amount::eur(200))
        );
        assert_eq!(
            total(&[
                Amount::eur(1),
                Amount {
                    minor: 1,
                    currency: "USD"
                }
            ]),
            None
        );
    }
}
