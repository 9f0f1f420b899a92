//! `CommandRequest`, the body of `POST /v1/commands`, as the document shows
//! it: one object per command (`RegisterPartyCommand`, …), each with its
//! `type`, its named `data` schema and the optional envelope fields, joined
//! in a `oneOf` discriminated by `type`.
//!
//! The server parses the envelope with [`crate::CommandRequest`] and then
//! `data` by `type` with [`Command`]; serde's adjacently tagged enum has no
//! schema generators can type (a union of anonymous objects, which
//! `openapi-python-client` cannot take `allOf` with), so the union is built
//! here from the same two types: the variants from [`Command::NAMES`] and
//! the command schemas `Command` derives, the envelope fields from the
//! parser's own schema.

use std::borrow::Cow;

use accord_domain::Command;
use utoipa::openapi::schema::{
    AdditionalProperties, Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// The body of `POST /v1/commands` in the document (see the module docs).
pub struct CommandRequestSchema;

/// The name of the request schema of the command `name`.
fn variant_name(name: &str) -> String {
    format!("{name}Command")
}

impl PartialSchema for CommandRequestSchema {
    fn schema() -> RefOr<Schema> {
        let mut discriminator = Discriminator::new("type");
        let mut union = OneOfBuilder::new().description(Some(
            "A command request: the command's `type` and `data`, with the optional envelope fields.",
        ));
        for name in Command::NAMES {
            let variant = variant_name(name);
            discriminator
                .mapping
                .insert(name.to_owned(), format!("#/components/schemas/{variant}"));
            union = union.item(Ref::from_schema_name(variant));
        }
        union.discriminator(Some(discriminator)).into()
    }
}

impl ToSchema for CommandRequestSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CommandRequest")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for name in Command::NAMES {
            schemas.push((variant_name(name), variant(name)));
        }
        // The commands' data schemas and everything they refer to.
        <Command as ToSchema>::schemas(schemas);
    }
}

/// `{"type": name, "data": <name>, …envelope}`.
fn variant(name: &str) -> RefOr<Schema> {
    let kind = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([name]));
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!("The `{name}` command.")))
        .property("type", kind)
        .required("type")
        .property("data", Ref::from_schema_name(name))
        .required("data")
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    for (field, schema) in envelope_fields() {
        object = object.property(field, schema);
    }
    object.into()
}

/// The envelope's optional fields, from the parser's schema (everything
/// but `type` and `data`).
fn envelope_fields() -> Vec<(String, RefOr<Schema>)> {
    let RefOr::T(Schema::Object(request)) = <crate::CommandRequest as PartialSchema>::schema()
    else {
        unreachable!("CommandRequest derives an object schema")
    };
    request
        .properties
        .into_iter()
        .filter(|(field, _)| field != "type" && field != "data")
        .collect()
}
