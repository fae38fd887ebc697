//! The TypeScript declarations of the package (`src/types.rs` of the binding) name the same
//! error codes, order statuses and reject reasons as the core defines: each union is read from
//! the declaration text and compared with the core's list.

use iftb_core::{ErrorCode, OrderStatus, RejectReason};
use std::collections::BTreeSet;

fn declarations() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../src/types.rs");
    std::fs::read_to_string(path).expect("the binding's TypeScript declarations")
}

/// The string literals of `export type <name> = "a" | "b" ...;`.
fn union(ts: &str, name: &str) -> BTreeSet<String> {
    let start = ts
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("no `export type {name}` in the declarations"));
    let body = &ts[start..];
    let body = &body[..body.find(';').expect("the union ends with ;")];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn error_code_union_is_the_core_list() {
    let core: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(union(&declarations(), "ErrorCode"), core);
}

#[test]
fn order_status_union_is_the_core_list() {
    let core: BTreeSet<String> = OrderStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(union(&declarations(), "OrderStatus"), core);
}

#[test]
fn reject_reason_union_is_the_core_list() {
    let core: BTreeSet<String> = RejectReason::ALL
        .iter()
        .map(|r| {
            serde_json::to_value(r)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(union(&declarations(), "RejectReason"), core);
}
