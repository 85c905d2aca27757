//! Build files in XML (pom.xml, *.csproj) through `roxmltree`: a well-formed-XML parser with
//! no DTD support (rejected, so no entity expansion beyond the predefined ones) that builds
//! a flat node list in linear time. Providers query it by element path, walking parents
//! (never copying paths), so a deep file costs no more than a flat one.

use crate::{Error, Result};
use roxmltree::{Document, Node};

/// Build files nest a handful of levels; anything deeper than this is refused as not a
/// build file (and keeps every walk over the tree short).
pub const MAX_DEPTH: usize = 256;

/// A parsed build file with a line index (finding a node's line is a binary search).
pub struct Xml<'input> {
    doc: Document<'input>,
    /// Byte offsets of the newlines in the text.
    newlines: Vec<usize>,
}

impl<'input> Xml<'input> {
    pub fn root_element<'a>(&'a self) -> Node<'a, 'input> {
        self.doc.root_element()
    }

    /// 1-based line where `node` starts.
    pub fn line(&self, node: Node) -> u32 {
        let start = node.range().start;
        (self.newlines.partition_point(|&nl| nl < start) + 1) as u32
    }

    /// Every element below the root element, in document order.
    pub fn elements<'a>(&'a self) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
        self.doc
            .root_element()
            .descendants()
            .skip(1)
            .filter(|n| n.is_element())
    }

    /// Elements (in document order) below the root element whose local name is `name`,
    /// at any depth.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
        self.elements().filter(move |n| n.tag_name().name() == name)
    }
}

/// Parse `text` (the file `file`): a malformed file or one nested deeper than [`MAX_DEPTH`]
/// is an `InvalidManifest` error with the line where it goes wrong.
pub fn parse<'input>(file: &str, text: &'input str) -> Result<Xml<'input>> {
    let doc = Document::parse(text).map_err(|e| invalid(file, error_line(&e), message(&e)))?;
    let xml = Xml {
        doc,
        newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
    };
    // Depth of every node, from its parent's (parents come first in document order).
    let mut depth = vec![0usize; xml.doc.descendants().count() + 1];
    for n in xml.doc.root_element().descendants() {
        let parent = n.parent().and_then(|p| depth.get(p.id().get_usize()));
        let d = parent.copied().unwrap_or(0) + 1;
        if let Some(slot) = depth.get_mut(n.id().get_usize()) {
            *slot = d;
        }
        if d > MAX_DEPTH && n.is_element() {
            return Err(invalid(
                file,
                Some(xml.line(n)),
                format!("elements are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
    }
    Ok(xml)
}

fn invalid(file: &str, line: Option<u32>, message: String) -> Error {
    Error::InvalidManifest {
        file: file.into(),
        line,
        message,
    }
}

/// The line of errors that have a position (the others have none: end of file, limits).
fn error_line(e: &roxmltree::Error) -> Option<u32> {
    use roxmltree::Error as E;
    match e {
        E::NoRootNode
        | E::UnclosedRootNode
        | E::DtdDetected
        | E::NodesLimitReached
        | E::AttributesLimitReached
        | E::NamespacesLimitReached
        | E::UnexpectedEndOfStream => None,
        _ => Some(e.pos().row),
    }
}

/// roxmltree's message without its trailing ` at ROW:COL` (the line is reported apart).
fn message(e: &roxmltree::Error) -> String {
    if let roxmltree::Error::UnexpectedCloseTag(expected, actual, _) = e {
        return format!("closing tag </{actual}> does not match <{expected}>");
    }
    let text = e.to_string();
    let pos = e.pos();
    text.strip_suffix(&format!(" at {}:{}", pos.row, pos.col))
        .unwrap_or(&text)
        .to_string()
}

/// Whether `node` is an element whose chain of local names from the root element is
/// exactly `path` (`["project", "dependencies", "dependency", "artifactId"]`).
pub fn has_path(node: Node, path: &[&str]) -> bool {
    let mut at = Some(node);
    for name in path.iter().rev() {
        match at {
            Some(n) if n.is_element() && n.tag_name().name() == *name => at = n.parent(),
            _ => return false,
        }
    }
    at.is_some_and(|n| n.is_root())
}

/// The element's own text (its text and CDATA children, not its descendants'), trimmed.
pub fn text(node: Node) -> String {
    let mut out = String::new();
    for c in node.children().filter(|c| c.is_text()) {
        out.push_str(c.text().unwrap_or_default());
    }
    out.trim().to_string()
}

/// An attribute by local name, ignoring ASCII case (`Sdk`, `Include`).
pub fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes()
        .find(|a| a.name().eq_ignore_ascii_case(name))
        .map(|a| a.value())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
