//! JSON through the browser's own `JSON`: parsing and printing weigh nothing in the
//! WebAssembly. Rust values go to JS values with serde-wasm-bindgen, and come back through
//! [`Reader`], a small deserializer of ours whose errors carry no message: serde's messages
//! ("invalid type: floating point `1.5`…") would bring float formatting, kilobytes of it,
//! into the widget for texts nobody reads.

use std::fmt;

use js_sys::{Array, JSON, Object};
use serde::Serialize;
use serde::de::value::StringDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

pub(crate) fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    JSON::stringify(&js).ok()?.as_string()
}

pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    T::deserialize(Reader(JSON::parse(text).ok()?)).ok()
}

/// The JSON did not have the expected shape; which way does not matter to the widget.
#[derive(Debug)]
pub(crate) struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected JSON")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    /// The message is dropped unread: that is the point.
    fn custom<T: fmt::Display>(_: T) -> Mismatch {
        Mismatch
    }
}

/// A value `JSON.parse` gave, read into Rust types.
struct Reader(JsValue);

impl<'de> de::Deserializer<'de> for Reader {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        let value = self.0;
        if value.is_null() || value.is_undefined() {
            return visitor.visit_unit();
        }
        if let Some(b) = value.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = value.as_f64() {
            // Whole numbers as integers, which is what our types hold.
            return match n {
                n if n.trunc() == n && (0.0..=9_007_199_254_740_991.0).contains(&n) => visitor.visit_u64(n as u64),
                n if n.trunc() == n && (-9_007_199_254_740_991.0..0.0).contains(&n) => visitor.visit_i64(n as i64),
                n => visitor.visit_f64(n),
            };
        }
        if let Some(s) = value.as_string() {
            return visitor.visit_string(s);
        }
        if Array::is_array(&value) {
            return visitor.visit_seq(Items(value.unchecked_into(), 0));
        }
        if value.is_object() {
            let entries = Object::entries(value.unchecked_ref::<Object>());
            return visitor.visit_map(Entries { entries, next: 0, value: None });
        }
        Err(Mismatch)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.0.is_null() || self.0.is_undefined() {
            true => visitor.visit_none(),
            false => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    /// Our enums are unit variants written as strings (`"contact_needed"`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        let name: StringDeserializer<Mismatch> = self.0.as_string().ok_or(Mismatch)?.into_deserializer();
        visitor.visit_enum(name)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An array and the index of its next item.
struct Items(Array, u32);

/// The item of `array` at `*next`, moving on.
fn take(array: &Array, next: &mut u32) -> Option<JsValue> {
    (*next < array.length()).then(|| {
        *next += 1;
        array.get(*next - 1)
    })
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Mismatch;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Mismatch> {
        take(&self.0, &mut self.1).map(|item| seed.deserialize(Reader(item))).transpose()
    }
}

/// An object's `[key, value]` pairs, as `Object.entries` lists them.
struct Entries {
    entries: Array,
    next: u32,
    value: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Mismatch> {
        let Some(entry) = take(&self.entries, &mut self.next) else { return Ok(None) };
        let pair: Array = entry.unchecked_into();
        self.value = Some(pair.get(1));
        let key: StringDeserializer<Mismatch> = pair.get(0).as_string().ok_or(Mismatch)?.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        seed.deserialize(Reader(self.value.take().ok_or(Mismatch)?))
    }
}
