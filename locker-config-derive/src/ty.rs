//! Classifying a field's type syntactically (by the last path segment) and naming its form.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// How a field's type is parsed.
pub(crate) enum Shape {
    /// `Option<T>`.
    Option(Box<Shape>),
    /// `Secret<T>`.
    Secret(Box<Shape>),
    /// `Vec<T>`.
    Vec(Box<Shape>),
    /// `bool`.
    Bool,
    /// `Duration`.
    Duration,
    /// Anything else, through `FromStr`.
    FromStr(Box<Type>),
}

impl Shape {
    pub(crate) fn of(ty: &Type) -> Shape {
        if let Some(inner) = single_arg(ty, "Option") {
            return Shape::Option(Box::new(Shape::of(inner)));
        }
        if let Some(inner) = single_arg(ty, "Secret") {
            return Shape::Secret(Box::new(Shape::of(inner)));
        }
        if let Some(inner) = single_arg(ty, "Vec") {
            return Shape::Vec(Box::new(Shape::of(inner)));
        }
        match last_ident(ty).as_deref() {
            Some("bool") => Shape::Bool,
            Some("Duration") => Shape::Duration,
            _ => Shape::FromStr(Box::new(ty.clone())),
        }
    }

    pub(crate) fn is_secret(&self) -> bool {
        match self {
            Shape::Secret(_) => true,
            Shape::Option(inner) => inner.is_secret(),
            _ => false,
        }
    }
}

/// `T` in `Name<T>` (any path ending in `Name`), if `ty` is one.
pub(crate) fn single_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(inner)), None) => Some(inner),
        _ => None,
    }
}

fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    matches!(last.arguments, PathArguments::None).then(|| last.ident.to_string())
}

/// The type as written, with the spaces `to_string` adds around punctuation removed.
pub(crate) fn written(tokens: impl ToTokens) -> String {
    let mut s = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// What a valid value of a `FromStr` type looks like, for error reports: the form of one value
/// ("an integer from 0 to 65535") and of several, as list items ("integers from 0 to 65535").
pub(crate) fn expected_form(ty: &Type) -> (String, String) {
    let (min, max) = match last_ident(ty).as_deref() {
        Some("u8") => ("0", "255"),
        Some("u16") => ("0", "65535"),
        Some("u32") => ("0", "4294967295"),
        Some("u64") => ("0", "18446744073709551615"),
        Some("u128") => ("0", "340282366920938463463374607431768211455"),
        Some("usize") => ("0", "18446744073709551615"),
        Some("i8") => ("-128", "127"),
        Some("i16") => ("-32768", "32767"),
        Some("i32") => ("-2147483648", "2147483647"),
        Some("i64") => ("-9223372036854775808", "9223372036854775807"),
        Some("i128") => (
            "-170141183460469231731687303715884105728",
            "170141183460469231731687303715884105727",
        ),
        Some("isize") => ("-9223372036854775808", "9223372036854775807"),
        Some("f32" | "f64") => return forms("a number", "numbers"),
        Some("String") => return forms("text", "text items"),
        Some("char") => return forms("a single character", "single characters"),
        Some("IpAddr" | "Ipv4Addr" | "Ipv6Addr") => return forms("an IP address", "IP addresses"),
        Some("SocketAddr") => {
            return forms(
                "a socket address such as 127.0.0.1:8080",
                "socket addresses such as 127.0.0.1:8080",
            );
        }
        Some("Url") => {
            return forms(
                "a URL such as https://example.com",
                "URLs such as https://example.com",
            );
        }
        _ => {
            let ty = written(ty);
            return (
                format!("a value of type {ty}"),
                format!("values of type {ty}"),
            );
        }
    };
    (
        format!("an integer from {min} to {max}"),
        format!("integers from {min} to {max}"),
    )
}

fn forms(one: &str, many: &str) -> (String, String) {
    (one.to_owned(), many.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{Shape, expected_form, written};
    use syn::{Type, parse_quote};

    #[test]
    fn classifies_by_last_segment() {
        let ty: Type = parse_quote!(Option<Secret<Vec<std::time::Duration>>>);
        let Shape::Option(inner) = Shape::of(&ty) else {
            panic!("Option")
        };
        assert!(inner.is_secret());
        let Shape::Secret(inner) = *inner else {
            panic!("Secret")
        };
        let Shape::Vec(inner) = *inner else {
            panic!("Vec")
        };
        assert!(matches!(*inner, Shape::Duration));
        assert!(matches!(Shape::of(&parse_quote!(bool)), Shape::Bool));
        assert!(matches!(Shape::of(&parse_quote!(u16)), Shape::FromStr(_)));
        assert!(Shape::of(&parse_quote!(Option<Secret<String>>)).is_secret());
    }

    #[test]
    fn names_expected_forms() {
        let form = |ty: Type| {
            let (one, many) = expected_form(&ty);
            [one, many]
        };
        assert_eq!(
            form(parse_quote!(u16)),
            ["an integer from 0 to 65535", "integers from 0 to 65535"]
        );
        assert_eq!(
            form(parse_quote!(i8)),
            ["an integer from -128 to 127", "integers from -128 to 127"]
        );
        assert_eq!(form(parse_quote!(f64)), ["a number", "numbers"]);
        assert_eq!(form(parse_quote!(String)), ["text", "text items"]);
        assert_eq!(
            form(parse_quote!(url::Url)),
            [
                "a URL such as https://example.com",
                "URLs such as https://example.com"
            ]
        );
        assert_eq!(
            form(parse_quote!(std::path::PathBuf)),
            [
                "a value of type std::path::PathBuf",
                "values of type std::path::PathBuf"
            ]
        );
        assert_eq!(
            written(quote::quote!(HashMap<String, Vec<u8>>)),
            "HashMap<String, Vec<u8>>"
        );
    }
}
