//! wasm-bindgen tests of the binding's conversions, run under Node and headless Chrome.
#![cfg(target_arch = "wasm32")]

use iftb_executor::PaperTrader;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap()
}

fn market(amount: JsValue) -> JsValue {
    obj(&[
        ("symbol", "BTC/USDT".into()),
        ("side", "buy".into()),
        ("type", "market".into()),
        ("amount", amount),
    ])
}

#[wasm_bindgen_test]
fn number_and_string_inputs_are_the_same_exact_value() {
    let mut a = PaperTrader::new(JsValue::UNDEFINED).unwrap();
    let mut b = PaperTrader::new(JsValue::UNDEFINED).unwrap();
    let oa = a
        .place_order_sync(market(0.1.into()), 50000.into())
        .unwrap();
    let ob = b
        .place_order_sync(market("0.1".into()), "50000".into())
        .unwrap();
    let exact = |o: &JsValue, k: &str| get(&get(o, "exact"), k).as_string().unwrap();
    assert_eq!(exact(&oa, "amount"), "0.1");
    assert_eq!(exact(&oa, "fee"), exact(&ob, "fee"));
    assert_eq!(exact(&oa, "filledPrice"), "50025");
    assert_eq!(get(&oa, "fee").as_f64(), Some(2.001));
    assert_eq!(get(&oa, "status").as_string().as_deref(), Some("filled"));
    assert!(get(&oa, "stopPrice").is_null());
}

#[wasm_bindgen_test]
fn errors_are_real_errors_with_code_and_name() {
    let mut t = PaperTrader::new(JsValue::UNDEFINED).unwrap();
    for (amount, code) in [
        (JsValue::from_f64(f64::NAN), "INVALID_NUMBER"),
        (JsValue::from_f64(f64::INFINITY), "INVALID_NUMBER"),
        (JsValue::from_str("abc"), "INVALID_NUMBER"),
        (JsValue::from_f64(0.0), "INVALID_AMOUNT"),
        (JsValue::TRUE, "INVALID_NUMBER"),
    ] {
        let err = t
            .place_order_sync(market(amount), 100.into())
            .err()
            .unwrap();
        let js: JsValue = err.into();
        assert!(js.is_instance_of::<js_sys::Error>());
        assert_eq!(get(&js, "code").as_string().as_deref(), Some(code));
        assert_eq!(
            get(&js, "name").as_string().as_deref(),
            Some("ValidationError")
        );
    }
    let err: JsValue = t.cancel_order("nope".into()).err().unwrap().into();
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("OrderError"));
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("ORDER_NOT_FOUND")
    );
    let bad = obj(&[("makerFee", (-1.0).into())]);
    let err: JsValue = PaperTrader::new(bad).err().unwrap().into();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_CONFIG")
    );
}

#[wasm_bindgen_test]
fn events_and_orders_come_out_as_plain_objects() {
    let mut t = PaperTrader::new(JsValue::UNDEFINED).unwrap();
    t.place_order_sync(market(0.1.into()), 50000.into())
        .unwrap();
    let events = js_sys::Array::from(&t.get_events(None).unwrap());
    assert!(events.length() >= 3);
    let first = events.get(0);
    assert_eq!(
        js_sys::Object::get_prototype_of(&first),
        js_sys::Object::get_prototype_of(&js_sys::Object::new().into())
    );
    assert_eq!(
        get(&first, "type").as_string().as_deref(),
        Some("orderAccepted")
    );
    assert_eq!(get(&first, "seq").as_f64(), Some(1.0));
    let later = js_sys::Array::from(&t.get_events(Some(1.0)).unwrap());
    assert_eq!(later.length(), events.length() - 1);
}

fn exec_request(amount: f64, entry: f64) -> JsValue {
    obj(&[
        ("action", "long".into()),
        ("symbol", "BTC/USDT".into()),
        ("amount", amount.into()),
        ("entryPrice", entry.into()),
        ("stopLoss", 48000.into()),
        ("takeProfit", 55000.into()),
        ("leverage", 2.into()),
    ])
}

#[wasm_bindgen_test]
async fn executor_snapshot_round_trips_in_this_runtime() {
    use iftb_executor::OrderExecutor;
    use wasm_bindgen_futures::JsFuture;
    let opts = obj(&[("logger", JsValue::NULL)]);
    let mut ex = OrderExecutor::new(opts.clone()).unwrap();
    let order = JsFuture::from(ex.execute_decision(exec_request(0.01, 50000.0)))
        .await
        .unwrap();
    assert_eq!(get(&order, "status").as_string().as_deref(), Some("filled"));
    let err = JsFuture::from(ex.execute_decision(exec_request(0.1, 50000.0)))
        .await
        .unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("POSITION_SIZE_EXCEEDED")
    );
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("RiskError"));
    let snap = ex.snapshot().unwrap();
    let text = js_sys::JSON::stringify(&snap).unwrap();
    let back = js_sys::JSON::parse(&String::from(text.clone())).unwrap();
    let restored = OrderExecutor::restore(back, opts).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&restored.snapshot().unwrap()).unwrap(),
        text
    );
    let bad = obj(&[("kind", "nope".into())]);
    let err: JsValue = OrderExecutor::restore(bad, JsValue::UNDEFINED)
        .err()
        .unwrap()
        .into();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("SNAPSHOT_INVALID")
    );
}

#[wasm_bindgen_test]
fn the_fast_order_builder_has_the_core_order_shape() {
    assert!(iftb_executor::order_io::shape_matches_core());
}
