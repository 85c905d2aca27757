use super::*;

fn err(file: &str, text: &str) -> (Option<u32>, String) {
    match parse(file, text) {
        Err(Error::InvalidManifest {
            file: f,
            line,
            message,
        }) => {
            assert_eq!(f, std::path::Path::new(file));
            (line, message)
        }
        Err(e) => panic!("not an InvalidManifest: {e}"),
        Ok(_) => panic!("parsed: {text:.80}"),
    }
}

#[test]
fn paths_text_attributes_and_lines() {
    let x = "<?xml version=\"1.0\"?>\n<!-- c -->\n<project xmlns=\"x\">\n  <properties>\n    <java.version>17</java.version>\n  </properties>\n  <dep a='1' B=\"&amp;\"><![CDATA[ raw ]]> more </dep>\n</project>\n";
    let doc = parse("pom.xml", x).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "project");
    assert_eq!(doc.line(doc.root_element()), 3);
    let v = doc.named("java.version").next().unwrap();
    assert!(has_path(v, &["project", "properties", "java.version"]));
    assert!(!has_path(v, &["properties", "java.version"]));
    assert!(!has_path(
        v,
        &["x", "project", "properties", "java.version"]
    ));
    assert_eq!((text(v).as_str(), doc.line(v)), ("17", 5));
    let d = doc.named("dep").next().unwrap();
    assert_eq!(attr(d, "b"), Some("&"));
    assert_eq!(text(d), "raw  more");
    assert_eq!(doc.line(d), 7);
    assert_eq!(doc.elements().count(), 3);
}

#[test]
fn malformed_files_name_the_line() {
    assert_eq!(
        err("a.xml", "<a>\n<b>\n</c>\n</a>"),
        (Some(3), "closing tag </c> does not match <b>".into())
    );
    assert_eq!(
        err("a.xml", "<a>\n<b>"),
        (None, "the root node was opened but never closed".into())
    );
    assert_eq!(
        err("a.xml", ""),
        (None, "the document does not have a root node".into())
    );
    let (line, message) = err("a.xml", "<a></a>\n<b/>");
    assert_eq!(line, Some(2));
    assert!(!message.contains(" at "), "{message}");
    // No DTDs: nothing to expand.
    let (_, message) = err("a.xml", "<!DOCTYPE a [<!ENTITY x \"xx\">]>\n<a>&x;&x;</a>");
    assert_eq!(message, "XML with DTD detected");
}

#[test]
fn nesting_up_to_the_limit_parses_and_deeper_is_refused() {
    let nested = |depth: usize| "<a>".repeat(depth) + &"</a>".repeat(depth);
    let ok = nested(MAX_DEPTH);
    let doc = parse("a.xml", &ok).unwrap();
    assert_eq!(doc.elements().count(), MAX_DEPTH - 1);
    let (line, message) = err("a.xml", &nested(MAX_DEPTH + 1));
    assert_eq!(line, Some(1));
    assert_eq!(message, "elements are nested more than 256 levels deep");
}

/// The scanner this replaced copied each element's path: 150 KB of nested elements needed
/// gigabytes. Now it is one linear parse and a clear refusal (no timing asserted).
#[test]
fn pathological_nesting_is_refused_with_bounded_work() {
    // 10,000 levels, with text and attributes on each.
    let mut deep = String::new();
    for i in 0..10_000 {
        deep.push_str(&format!("<dependency n=\"{i}\">x"));
    }
    deep.push_str(&"</dependency>".repeat(10_000));
    let (line, message) = err("pom.xml", &deep);
    assert_eq!(line, Some(1));
    assert!(message.contains("nested more than 256 levels"), "{message}");

    // 150 KB of nested elements, one per line.
    let mut big = String::new();
    let mut depth = 0;
    while big.len() < 150_000 {
        big.push_str("<artifactId>\n");
        depth += 1;
    }
    big.push_str(&"</artifactId>".repeat(depth));
    assert!(big.len() > 150_000 && depth > 10_000);
    let (line, _) = err("pom.xml", &big);
    assert_eq!(line, Some(MAX_DEPTH as u32 + 1));

    // A 1 MiB nesting that is not even closed: roxmltree's own error, no panic.
    let (line, message) = err("pom.xml", &"<a>".repeat(350_000));
    assert_eq!(line, None);
    assert_eq!(message, "the root node was opened but never closed");
}

/// A large but ordinary file (150 KB, 2,000 dependencies) gives every dependency with its line.
#[test]
fn wide_build_files_parse_in_full() {
    let mut pom = String::from("<project>\n<dependencies>\n");
    for i in 0..2_000 {
        pom.push_str(&format!(
            "<dependency>\n<groupId>g{i}</groupId>\n<artifactId>a{i}</artifactId>\n</dependency>\n"
        ));
    }
    pom.push_str("</dependencies>\n</project>\n");
    assert!(pom.len() > 100_000);
    let doc = parse("pom.xml", &pom).unwrap();
    let deps: Vec<(String, u32)> = doc
        .named("artifactId")
        .filter(|e| has_path(*e, &["project", "dependencies", "dependency", "artifactId"]))
        .map(|e| (text(e), doc.line(e)))
        .collect();
    assert_eq!(deps.len(), 2_000);
    assert_eq!(deps[0], ("a0".to_string(), 5));
    assert_eq!(deps[1_999], ("a1999".to_string(), 4 * 1_999 + 5));
}
