//! The host environment, reached through `globalThis` so the same wasm runs in Node and in
//! browsers: Node's `fs` and `process.env` (via `process.getBuiltinModule`), and `console`.

use crate::error::{Error, JsResult};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

fn prop(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `obj[method](...args)`.
pub fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = prop(obj, method)
        .dyn_into()
        .map_err(|_| JsValue::from_str(&format!("{method} is not a function")))?;
    f.apply(obj, &args.iter().collect::<Array>())
}

fn process() -> JsValue {
    prop(&js_sys::global().into(), "process")
}

/// A Node built-in module (`"node:fs"`), or `None` outside Node.
fn node_module(name: &str) -> Option<JsValue> {
    let p = process();
    prop(&p, "getBuiltinModule")
        .is_function()
        .then(|| call(&p, "getBuiltinModule", &[JsValue::from_str(name)]).ok())
        .flatten()
        .filter(JsValue::is_object)
}

/// True in Node (where files and `process.env` exist).
#[must_use]
pub fn is_node() -> bool {
    node_module("node:fs").is_some()
}

/// `process.env` as pairs (empty outside Node).
#[must_use]
pub fn env_vars() -> Vec<(String, String)> {
    let env = prop(&process(), "env");
    if !env.is_object() {
        return Vec::new();
    }
    js_sys::Object::entries(&js_sys::Object::from(env))
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

fn io_error(what: &str, path: &str, e: &JsValue) -> Error {
    let msg = prop(e, "message")
        .as_string()
        .unwrap_or_else(|| format!("{e:?}"));
    Error::new("EngineError", "IO_ERROR", &format!("{what} {path}: {msg}"))
}

fn fs() -> JsResult<JsValue> {
    node_module("node:fs").ok_or_else(|| {
        Error::new(
            "EngineError",
            "NOT_SUPPORTED",
            "files (statePath, .env) need Node.js 20.16+; in a browser pass the settings and use snapshot()/restore()",
        )
    })
}

/// Read a UTF-8 file; `None` when it does not exist.
///
/// # Errors
/// `NOT_SUPPORTED` outside Node; `IO_ERROR` when it exists but cannot be read.
pub fn read_file(path: &str) -> JsResult<Option<String>> {
    let fs = fs()?;
    let p = JsValue::from_str(path);
    let exists = call(&fs, "existsSync", std::slice::from_ref(&p))
        .map_err(|e| io_error("cannot check", path, &e))?;
    if !exists.is_truthy() {
        return Ok(None);
    }
    call(&fs, "readFileSync", &[p, JsValue::from_str("utf8")])
        .map(|v| v.as_string())
        .map_err(|e| io_error("cannot read", path, &e))
}

/// Write a file so that a crash at any moment leaves either the old or the new content:
/// write a temporary file beside it, fsync it, then rename it over the target.
///
/// # Errors
/// `IO_ERROR` naming the path.
pub fn write_file_atomic(path: &str, text: &str) -> JsResult<()> {
    let fs = fs()?;
    let pid = prop(&process(), "pid").as_f64().unwrap_or(0.0);
    let tmp = format!("{path}.tmp-{pid}");
    let t = JsValue::from_str(&tmp);
    let step = |r: Result<JsValue, JsValue>| r.map_err(|e| io_error("cannot write", path, &e));
    let fd = step(call(&fs, "openSync", &[t.clone(), JsValue::from_str("w")]))?;
    let written = step(call(
        &fs,
        "writeSync",
        &[fd.clone(), JsValue::from_str(text)],
    ))
    .and_then(|_| step(call(&fs, "fsyncSync", std::slice::from_ref(&fd))));
    step(call(&fs, "closeSync", &[fd]))?;
    written?;
    step(call(&fs, "renameSync", &[t, JsValue::from_str(path)]))?;
    Ok(())
}

/// `console[level](text, detail)`.
pub fn console(level: &str, text: &str, detail: &JsValue) {
    let console = prop(&js_sys::global().into(), "console");
    let args = if detail.is_undefined() {
        vec![JsValue::from_str(text)]
    } else {
        vec![JsValue::from_str(text), detail.clone()]
    };
    let _ = call(&console, level, &args);
}
