//! GeoReport v2's XML written straight from a `Serialize` record, as
//! `serde_json` writes the JSON: no tree is built in between. A value is
//! one element named by its field; a list's items take the name GeoReport
//! v2 gives them under their parent (`<services><service>…`); `None` and
//! `()` are an empty element. Maps, bytes and enum payloads are not
//! GeoReport v2 shapes and are refused.

use std::fmt::{self, Display, Write as _};

use mm_protocol::validation::is_xml_char;
use serde::ser::{self, Impossible, Serialize};

pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

/// The document: `root` holds the value.
pub fn to_string<T: Serialize + ?Sized>(root: &str, value: &T) -> Result<String, Error> {
    let mut out = String::with_capacity(4096);
    out.push_str(DECLARATION);
    value.serialize(Element {
        name: root,
        out: &mut out,
    })?;
    Ok(out)
}

/// Element names of list items inside a parent (GeoReport v2's XML).
fn item_name(parent: &str) -> &'static str {
    match parent {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "services" => "service",
        "errors" => "error",
        _ => "request",
    }
}

/// Escapes text for element content. A character outside XML 1.0's `Char`
/// production cannot be written at all, not even as a character
/// reference, so it is dropped: stored text from before the edge refused
/// it must not make the whole feed malformed for every consumer.
pub fn escape(s: &str, out: &mut String) {
    // Runs of plain characters are copied whole.
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '&' => "&amp;",
            '"' => "&quot;",
            '\'' => "&apos;",
            c if !is_xml_char(c) => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        out.push_str(replacement);
        plain = i + c.len_utf8();
    }
    out.push_str(&s[plain..]);
}

/// `Display` output, escaped on the way into the document.
struct Escaping<'o>(&'o mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape(s, self.0);
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not writable as GeoReport v2 XML: {0}")]
pub struct Error(String);

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Error> {
    Err(Error(what.to_owned()))
}

/// Writes one value as the element `name`.
struct Element<'n, 'o> {
    name: &'n str,
    out: &'o mut String,
}

impl<'n, 'o> Element<'n, 'o> {
    fn open(&mut self) {
        self.out.push('<');
        self.out.push_str(self.name);
        self.out.push('>');
    }

    fn close(self) -> Result<(), Error> {
        close(self.name, self.out);
        Ok(())
    }

    fn text(mut self, text: impl Display) -> Result<(), Error> {
        self.open();
        // Writing into a String cannot fail.
        let _ = write!(Escaping(self.out), "{text}");
        self.close()
    }

    fn empty(mut self) -> Result<(), Error> {
        self.open();
        self.close()
    }
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A list's or a record's children, then the closing tag.
struct Children<'n, 'o> {
    name: &'n str,
    out: &'o mut String,
}

impl<'n, 'o> ser::Serializer for Element<'n, 'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Children<'n, 'o>;
    type SerializeTuple = Children<'n, 'o>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Children<'n, 'o>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    /// Written as the JSON writes it; not a number (NaN, infinite) is an
    /// empty element, as JSON's `null`.
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.text(n),
            None => self.empty(),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.empty()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.empty()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.empty()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        unsupported("an enum with data")
    }
    fn serialize_seq(mut self, _: Option<usize>) -> Result<Children<'n, 'o>, Error> {
        self.open();
        Ok(Children {
            name: self.name,
            out: self.out,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Children<'n, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        unsupported("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        unsupported("an enum with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        unsupported("a map")
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Children<'n, 'o>, Error> {
        self.serialize_seq(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        unsupported("an enum with data")
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.text(value)
    }
}

impl ser::SerializeSeq for Children<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Element {
            name: item_name(self.name),
            out: &mut *self.out,
        })
    }
    fn end(self) -> Result<(), Error> {
        close(self.name, self.out);
        Ok(())
    }
}

impl ser::SerializeTuple for Children<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeStruct for Children<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(Element { name: key, out: &mut *self.out })
    }
    fn end(self) -> Result<(), Error> {
        close(self.name, self.out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Error<'a> {
        code: u16,
        description: &'a str,
    }

    #[test]
    fn names_list_items_by_their_parent_and_escapes() {
        let v = [Error { code: 400, description: "a < b & c" }];
        assert_eq!(
            to_string("errors", &v).unwrap(),
            r#"<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code><description>a &lt; b &amp; c</description></error></errors>"#
        );
    }

    #[test]
    fn characters_outside_the_xml_char_production_are_dropped() {
        let v = [Error { code: 1, description: "a\u{FFFE}b\u{FFFF}c\u{1}d\te\u{FFFD}" }];
        assert_eq!(
            to_string("errors", &v).unwrap(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>1</code><description>abcd\te\u{FFFD}</description></error></errors>"
        );
    }

    #[test]
    fn none_unit_and_not_a_number_are_empty_elements() {
        #[derive(serde::Serialize)]
        struct R {
            a: Option<&'static str>,
            b: (),
            c: f64,
            d: f64,
        }
        let r = R { a: None, b: (), c: f64::NAN, d: 17.0 };
        assert_eq!(
            to_string("request", &r).unwrap(),
            r#"<?xml version="1.0" encoding="utf-8"?><request><a></a><b></b><c></c><d>17.0</d></request>"#
        );
    }

    #[test]
    fn maps_are_refused() {
        let m = std::collections::BTreeMap::from([("a", 1)]);
        assert!(to_string("x", &m).is_err());
    }
}
