//! OPC packages (the zip container of DOCX and XLSX): parts, content types,
//! relationships.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::xml::{escape, escape_into, DECLARATION};
use crate::DocumentError;

pub(crate) const CT_RELATIONSHIPS: &str =
    "application/vnd.openxmlformats-package.relationships+xml";
pub(crate) const CT_CORE: &str = "application/vnd.openxmlformats-package.core-properties+xml";
pub(crate) const CT_APP: &str =
    "application/vnd.openxmlformats-officedocument.extended-properties+xml";

pub(crate) const REL_OFFICE_DOCUMENT: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
pub(crate) const REL_CORE: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties";
pub(crate) const REL_APP: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties";

/// Extensions registered as `<Default>` content types (binary parts); every
/// other part gets an `<Override>`.
fn default_content_type(extension: &str) -> Option<&'static str> {
    Some(match extension {
        "rels" => CT_RELATIONSHIPS,
        "xml" => "application/xml",
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => return None,
    })
}

struct Part {
    /// Part name without the leading `/`, e.g. `word/document.xml`.
    name: String,
    content_type: &'static str,
    data: Vec<u8>,
    /// Already compressed data (JPEG, PNG, XLSX) is stored as is.
    deflate: bool,
}

/// An OPC package under construction. Parts are written in the order they
/// were added, after `[Content_Types].xml`. Output is deterministic: every
/// zip entry carries the DOS epoch (1980-01-01 00:00) as its time.
#[derive(Default)]
pub(crate) struct Package {
    parts: Vec<Part>,
}

impl Package {
    pub(crate) fn new() -> Self {
        Package::default()
    }

    /// Adds an XML part.
    pub(crate) fn xml(&mut self, name: impl Into<String>, content_type: &'static str, xml: String) {
        self.parts.push(Part {
            name: name.into(),
            content_type,
            data: xml.into_bytes(),
            deflate: true,
        });
    }

    /// Adds a binary part that is already compressed.
    pub(crate) fn binary(
        &mut self,
        name: impl Into<String>,
        content_type: &'static str,
        data: Vec<u8>,
    ) {
        self.parts.push(Part {
            name: name.into(),
            content_type,
            data,
            deflate: false,
        });
    }

    /// Adds a relationships part.
    pub(crate) fn rels(&mut self, name: impl Into<String>, rels: &Relationships) {
        self.xml(name, CT_RELATIONSHIPS, rels.to_xml());
    }

    fn content_types_xml(&self) -> String {
        let mut defaults = BTreeMap::new();
        let mut overrides = String::new();
        for part in &self.parts {
            let extension = part.name.rsplit_once('.').map_or("", |(_, ext)| ext);
            match default_content_type(extension) {
                Some(ct) if ct == part.content_type => {
                    defaults.insert(extension, ct);
                }
                _ => {
                    overrides.push_str("<Override PartName=\"/");
                    escape_into(&mut overrides, &part.name);
                    overrides.push_str("\" ContentType=\"");
                    overrides.push_str(part.content_type);
                    overrides.push_str("\"/>");
                }
            }
        }
        // Always declare these two, as Office does.
        defaults.insert("rels", CT_RELATIONSHIPS);
        defaults.insert("xml", "application/xml");

        let mut out = String::from(DECLARATION);
        out.push_str(
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
        );
        for (extension, ct) in defaults {
            out.push_str(&format!(
                "<Default Extension=\"{extension}\" ContentType=\"{ct}\"/>"
            ));
        }
        out.push_str(&overrides);
        out.push_str("</Types>");
        out
    }

    /// The zip file.
    pub(crate) fn finish(self) -> Result<Vec<u8>, DocumentError> {
        let content_types = self.content_types_xml();
        let total: usize = self.parts.iter().map(|p| p.data.len()).sum();
        let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(total / 2 + 4096)));
        let base = SimpleFileOptions::default()
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644);
        let deflated = base.compression_method(CompressionMethod::Deflated);
        let stored = base.compression_method(CompressionMethod::Stored);

        let entries = std::iter::once(("[Content_Types].xml", content_types.as_bytes(), true))
            .chain(
                self.parts
                    .iter()
                    .map(|p| (p.name.as_str(), p.data.as_slice(), p.deflate)),
            );
        for (name, data, deflate) in entries {
            zip.start_file(name, if deflate { deflated } else { stored })
                .map_err(package_error)?;
            zip.write_all(data)
                .map_err(|e| DocumentError::Docx(e.to_string()))?;
        }
        Ok(zip.finish().map_err(package_error)?.into_inner())
    }
}

fn package_error(e: zip::result::ZipError) -> DocumentError {
    DocumentError::Docx(e.to_string())
}

/// The relationships of one part (`_rels/*.rels`), with ids `rId1`,
/// `rId2`, … in the order added.
#[derive(Default)]
pub(crate) struct Relationships {
    entries: Vec<(&'static str, String)>,
}

impl Relationships {
    pub(crate) fn new() -> Self {
        Relationships::default()
    }

    /// Adds a relationship to `target` (relative to the source part's
    /// folder) and returns its id.
    pub(crate) fn add(&mut self, rel_type: &'static str, target: impl Into<String>) -> String {
        self.entries.push((rel_type, target.into()));
        format!("rId{}", self.entries.len())
    }

    fn to_xml(&self) -> String {
        let mut out = String::from(DECLARATION);
        out.push_str(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for (index, (rel_type, target)) in self.entries.iter().enumerate() {
            out.push_str(&format!(
                "<Relationship Id=\"rId{}\" Type=\"{rel_type}\" Target=\"{}\"/>",
                index + 1,
                escape(target)
            ));
        }
        out.push_str("</Relationships>");
        out
    }
}
