//! JSON through the browser's own `JSON`, with serde-wasm-bindgen for the Rust side: it
//! weighs far less in the WebAssembly than a JSON parser of our own.

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(text).ok()?).ok()
}
