//! Enums whose variants travel as text: in JSON bodies, query strings, database columns and
//! the cells of exported files. Each variant's name is spelt once, where the enum is declared
//! with [`named_enum!`]; serde, `as_str`, `parse`, `ALL` and `Display` all follow from it.

/// Declares a field-less enum whose every variant is written `Variant = "name"`. It derives
/// `Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema` (serde and the
/// OpenAPI schema use the names given) and gains `ALL` (in declaration order), `as_str`,
/// `parse` (exact names only) and `Display`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [Self; [$($text),+].len()] = [$(Self::$variant),+];

            /// The name the value travels by.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// The value with exactly this name.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $( $text => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    named_enum! {
        /// A test enum.
        enum Colour {
            Red = "red",
            DeepBlue = "deep_blue",
        }
    }

    #[test]
    fn every_value_parses_back_from_its_name_and_serialises_as_it() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(colour));
            assert_eq!(
                serde_json::to_string(&colour).ok(),
                Some(format!("\"{colour}\""))
            );
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(
            serde_json::from_str::<Colour>("\"deep_blue\"").ok(),
            Some(Colour::DeepBlue)
        );
    }
}
