//! Checks across attributes and fields, after reading.

use std::collections::HashMap;

use crate::ast::Container;
use crate::ctxt::Ctxt;
use crate::ty::Shape;

pub(crate) fn check(cx: &mut Ctxt, container: &Container<'_>) {
    let mut keys: HashMap<&str, &str> = HashMap::new();
    for field in &container.fields {
        if field.key.is_empty() {
            cx.error_at(field.key_span, "the key must not be empty");
        }
        if let Some(first) = keys.get(field.key.as_str()) {
            cx.error_at(
                field.key_span,
                format!(
                    "key `{}` is already used by field `{first}`; each field needs its own key",
                    field.key
                ),
            );
        } else {
            keys.insert(&field.key, &field.name);
        }
        if let (Shape::Option(_), Some((_, span))) = (&field.shape, &field.default) {
            cx.error_at(
                *span,
                "`default` on an `Option` field: an absent value is already `None`; \
                 drop the `Option` or the `default`",
            );
        }
        if let (Some(with), Some(json)) = (&field.with, field.json) {
            let _ = with;
            cx.error_at(json, "`json` and `with` cannot be combined on one field");
        }
    }
}
