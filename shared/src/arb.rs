//! Arbitrary JSON for property tests: the keys lightningd's payloads use, secrets among them,
//! strings with escapes.

use proptest::prelude::*;
use serde_json::{Value, json};

pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z_\"\\\\\\u{e9}]{0,8}".prop_map(Value::String),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("connect".to_string()),
                    Just("label".to_string()),
                    Just("msat".to_string()),
                    Just("origin".to_string()),
                    Just("payload".to_string()),
                    Just("block".to_string()),
                    Just("preimage".to_string()),
                    Just("payment_preimage".to_string()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
