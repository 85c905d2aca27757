//! moby/patternmatcher's and moby/patternmatcher/ignorefile's own test tables
//! (patternmatcher_test.go, ignorefile_test.go), plus Berth's cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn pm(patterns: &[&str]) -> DockerIgnore {
    DockerIgnore::parse(&patterns.join("\n")).unwrap()
}

/// `MatchesOrParentMatches` as moby's TestMatches calls it (the text is not cleaned).
fn raw(patterns: &[&str], text: &str) -> bool {
    pm(patterns).matches_or_parent_matches(text)
}

/// The package-level `Matches(file, patterns)`: the file is cleaned, `.` never matches,
/// a bad pattern is an error.
fn matches(file: &str, patterns: &[&str]) -> std::result::Result<bool, BadLine> {
    Ok(DockerIgnore::parse(&patterns.join("\n"))?.is_excluded(file))
}

#[test]
fn single_cases_from_patternmatcher_test_go() {
    assert!(matches("fileutils.go", &["*"]).unwrap()); // TestWildcardMatches
    assert!(matches("fileutils.go", &["*.go"]).unwrap()); // TestPatternMatches
    assert!(matches("fileutils.go", &["!fileutils.go", "*.go"]).unwrap());
    assert!(!matches("docs/README.md", &["docs", "!docs/README.md"]).unwrap());
    assert!(!matches("docs/README.md", &["docs/", "!docs/README.md"]).unwrap());
    assert!(!matches("docs/README.md", &["docs/*", "!docs/README.md"]).unwrap());
    assert!(!matches("fileutils.go", &["*.go", "!fileutils.go"]).unwrap());
    assert!(!matches(".", &["*.go"]).unwrap()); // TestExclusionPatternMatchesWholeDirectory
    assert!(matches("fileutils.go", &["!"]).is_err()); // TestSingleExclamationError
    assert!(!matches("/any/path/there", &[]).unwrap()); // TestMatchesWithNoPatterns
    assert!(matches("/any/path/there", &["["]).is_err()); // TestMatchesWithMalformedPatterns
}

/// TestMatches: one pattern, one text, MatchesOrParentMatches.
#[test]
fn matches_table() {
    let tests: &[(&str, &str, bool)] = &[
        ("**", "file", true),
        ("**", "file/", true),
        ("**/", "file", true), // weird one
        ("**/", "file/", true),
        ("**", "/", true),
        ("**/", "/", true),
        ("**", "dir/file", true),
        ("**/", "dir/file", true),
        ("**", "dir/file/", true),
        ("**/", "dir/file/", true),
        ("**/**", "dir/file", true),
        ("**/**", "dir/file/", true),
        ("dir/**", "dir/file", true),
        ("dir/**", "dir/file/", true),
        ("dir/**", "dir/dir2/file", true),
        ("dir/**", "dir/dir2/file/", true),
        ("**/dir", "dir", true),
        ("**/dir", "dir/file", true),
        ("**/dir2/*", "dir/dir2/file", true),
        ("**/dir2/*", "dir/dir2/file/", true),
        ("**/dir2/**", "dir/dir2/dir3/file", true),
        ("**/dir2/**", "dir/dir2/dir3/file/", true),
        ("**file", "file", true),
        ("**file", "dir/file", true),
        ("**/file", "dir/file", true),
        ("**file", "dir/dir/file", true),
        ("**/file", "dir/dir/file", true),
        ("**/file*", "dir/dir/file", true),
        ("**/file*", "dir/dir/file.txt", true),
        ("**/file*txt", "dir/dir/file.txt", true),
        ("**/file*.txt", "dir/dir/file.txt", true),
        ("**/file*.txt*", "dir/dir/file.txt", true),
        ("**/**/*.txt", "dir/dir/file.txt", true),
        ("**/**/*.txt2", "dir/dir/file.txt", false),
        ("**/*.txt", "file.txt", true),
        ("**/**/*.txt", "file.txt", true),
        ("a**/*.txt", "a/file.txt", true),
        ("a**/*.txt", "a/dir/file.txt", true),
        ("a**/*.txt", "a/dir/dir/file.txt", true),
        ("a/*.txt", "a/dir/file.txt", false),
        ("a/*.txt", "a/file.txt", true),
        ("a/*.txt**", "a/file.txt", true),
        ("a[b-d]e", "ae", false),
        ("a[b-d]e", "ace", true),
        ("a[b-d]e", "aae", false),
        ("a[^b-d]e", "aze", true),
        (".*", ".foo", true),
        (".*", "foo", false),
        ("abc.def", "abcdef", false),
        ("abc.def", "abc.def", true),
        ("abc.def", "abcZdef", false),
        ("abc?def", "abcZdef", true),
        ("abc?def", "abcdef", false),
        ("a\\\\", "a\\", true),
        ("**/foo/bar", "foo/bar", true),
        ("**/foo/bar", "dir/foo/bar", true),
        ("**/foo/bar", "dir/dir2/foo/bar", true),
        ("abc/**", "abc", false),
        ("abc/**", "abc/def", true),
        ("abc/**", "abc/def/ghi", true),
        ("**/.foo", ".foo", true),
        ("**/.foo", "bar.foo", false),
        ("a(b)c/def", "a(b)c/def", true),
        ("a(b)c/def", "a(b)c/xyz", false),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
        (
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            true,
        ),
        (
            "dist/*.whl",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            true,
        ),
        // unix only in moby (no escapes on Windows)
        ("a\\*b", "a*b", true),
    ];
    for (pattern, text, pass) in tests {
        assert_eq!(
            raw(&[pattern], text),
            *pass,
            "pattern={pattern:?} text={text:?}"
        );
    }
}

/// TestMatches' multiPatternTests.
#[test]
fn multi_pattern_table() {
    let whl = "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl";
    let tests: &[(&[&str], &str, bool)] = &[
        (&["**", "!util/docker/web"], "util/docker/web/foo", false),
        (
            &["**", "!util/docker/web", "util/docker/web/foo"],
            "util/docker/web/foo",
            true,
        ),
        (
            &[
                "**",
                "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            ],
            whl,
            false,
        ),
        (&["**", "!dist/*.whl"], whl, false),
    ];
    for (patterns, text, pass) in tests {
        assert_eq!(
            raw(patterns, text),
            *pass,
            "patterns={patterns:?} text={text:?}"
        );
    }
}

/// TestMatch: Go's own filepath.Match table, through `Matches` (None: ErrBadPattern).
#[test]
fn filepath_match_table() {
    let tests: &[(&str, &str, Option<bool>)] = &[
        ("abc", "abc", Some(true)),
        ("*", "abc", Some(true)),
        ("*c", "abc", Some(true)),
        ("a*", "a", Some(true)),
        ("a*", "abc", Some(true)),
        ("a*", "ab/c", Some(true)),
        ("a*/b", "abc/b", Some(true)),
        ("a*/b", "a/c/b", Some(false)),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true)),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Some(true)),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Some(false)),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Some(false)),
        ("a*b?c*x", "abxbbxdbxebxczzx", Some(true)),
        ("a*b?c*x", "abxbbxdbxebxczzy", Some(false)),
        ("ab[c]", "abc", Some(true)),
        ("ab[b-d]", "abc", Some(true)),
        ("ab[e-g]", "abc", Some(false)),
        ("ab[^c]", "abc", Some(false)),
        ("ab[^b-d]", "abc", Some(false)),
        ("ab[^e-g]", "abc", Some(true)),
        ("a\\*b", "a*b", Some(true)),
        ("a\\*b", "ab", Some(false)),
        ("a?b", "a☺b", Some(true)),
        ("a[^a]b", "a☺b", Some(true)),
        ("a???b", "a☺b", Some(false)),
        ("a[^a][^a][^a]b", "a☺b", Some(false)),
        ("[a-ζ]*", "α", Some(true)),
        ("*[a-ζ]", "A", Some(false)),
        ("a?b", "a/b", Some(false)),
        ("a*b", "a/b", Some(false)),
        ("[\\]a]", "]", Some(true)),
        ("[\\-]", "-", Some(true)),
        ("[x\\-]", "x", Some(true)),
        ("[x\\-]", "-", Some(true)),
        ("[x\\-]", "z", Some(false)),
        ("[\\-x]", "x", Some(true)),
        ("[\\-x]", "-", Some(true)),
        ("[\\-x]", "a", Some(false)),
        ("[]a]", "]", None),
        ("[-]", "-", None),
        ("[x-]", "x", None),
        ("[x-]", "-", None),
        ("[x-]", "z", None),
        ("[-x]", "x", None),
        ("[-x]", "-", None),
        ("[-x]", "a", None),
        ("\\", "a", None),
        ("[a-b-c]", "a", None),
        ("[", "a", None),
        ("[^", "a", None),
        ("[^bc", "a", None),
        ("a[", "a", None),
        ("a[", "ab", None),
        ("*x", "xxx", Some(true)),
    ];
    for (pattern, s, want) in tests {
        let got = matches(s, &[pattern]).ok();
        assert_eq!(got, *want, "Match({pattern:?}, {s:?})");
    }
}

/// TestCompile (slash): the match type and, for regexps, the compiled expression.
#[test]
fn compile_table() {
    let tests: &[(&str, &str, &str)] = &[
        ("*", "regexp", "^[^/]*$"),
        ("file*", "regexp", "^file[^/]*$"),
        ("*file", "regexp", "^[^/]*file$"),
        ("a*/b", "regexp", "^a[^/]*/b$"),
        ("**", "suffix", ""),
        ("**/**", "regexp", "^(.*/)?.*$"),
        ("dir/**", "prefix", ""),
        ("**/dir", "suffix", ""),
        ("**/dir2/*", "regexp", "^(.*/)?dir2/[^/]*$"),
        ("**/dir2/**", "regexp", "^(.*/)?dir2/.*$"),
        ("**file", "suffix", ""),
        ("**/file*txt", "regexp", "^(.*/)?file[^/]*txt$"),
        ("**/**/*.txt", "regexp", "^(.*/)?(.*/)?[^/]*\\.txt$"),
        ("a[b-d]e", "regexp", "^a[b-d]e$"),
        (".*", "regexp", "^\\.[^/]*$"),
        ("abc.def", "exact", ""),
        ("abc?def", "regexp", "^abc[^/]def$"),
        ("**/foo/bar", "suffix", ""),
        ("a(b)c/def", "exact", ""),
        ("a.|)$(}+{bc", "exact", ""),
        (
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            "exact",
            "",
        ),
    ];
    for (pattern, kind, re) in tests {
        let p = compile(pattern).unwrap();
        let (got_kind, got_re) = match &p.kind {
            Kind::Exact(_) => ("exact", String::new()),
            Kind::Prefix(_) => ("prefix", String::new()),
            Kind::Suffix(_) => ("suffix", String::new()),
            Kind::Regex(r) => ("regexp", r.as_str().to_string()),
        };
        assert_eq!((got_kind, got_re.as_str()), (*kind, *re), "{pattern:?}");
    }
}

/// TestCleanPatterns*: empty lines dropped, `!` with spaces around, a bare `!` refused.
#[test]
fn clean_patterns() {
    assert_eq!(pm(&["docs", "config"]).patterns.len(), 2);
    assert_eq!(pm(&["docs", "config", ""]).patterns.len(), 2);
    assert!(pm(&["docs", "!docs/README.md"]).has_exceptions());
    assert!(pm(&["docs", "  !docs/README.md"]).has_exceptions());
    assert!(pm(&["docs", "!docs/README.md  "]).has_exceptions());
    assert_eq!(
        DockerIgnore::parse("!").unwrap_err(),
        BadLine {
            line: 1,
            message: "illegal exclusion pattern: \"!\"".into()
        }
    );
}

/// ignorefile_test.go TestReadAll: the lines as patterns.
#[test]
fn read_all() {
    let content =
        "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
    let lines: Vec<String> = content.lines().filter_map(read_line).collect();
    assert_eq!(
        lines,
        [
            "test1",
            "test2",
            "a/file/here",
            "lastfile",
            "!inverted/abs/path",
            "!",
            "!"
        ]
    );
    // A BOM on the first line is dropped.
    assert!(pm(&["\u{feff}secret"]).is_excluded("secret"));
}

/// TestMatchesOrParentMatchesMalformedPatternDoesNotPanicOnRepeatedCall: moby accepts
/// `[Local-Only]/` in New and fails each match; here the reversed range is refused up front.
#[test]
fn malformed_class_is_a_parse_error() {
    let err = DockerIgnore::parse("ok\n[Local-Only]/\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.message.contains("syntax error in pattern"), "{err:?}");
    let (lenient, bad) = DockerIgnore::parse_lenient("ok\n[Local-Only]/\n");
    assert_eq!(bad.len(), 1);
    assert!(lenient.is_excluded("ok"));
}

/// Berth's own expectations (the cases the build context relied on before this module).
#[test]
fn berth_cases() {
    let d = DockerIgnore::parse(
        "# comment\nnode_modules\n*.log\n/build/\n**/__pycache__\ndocs/**/*.md\n!docs/keep.md\n\
         secret?.txt\n./dist//x/../y\n",
    )
    .unwrap();
    assert!(d.is_excluded("node_modules"));
    assert!(d.is_excluded("node_modules/a/b.js"));
    // anchored at the root, unlike .gitignore
    assert!(!d.is_excluded("src/node_modules"));
    assert!(d.is_excluded("x.log"));
    assert!(!d.is_excluded("logs/x.log"));
    assert!(d.is_excluded("build/out.bin"));
    assert!(d.is_excluded("a/b/__pycache__/m.pyc"));
    assert!(d.is_excluded("__pycache__"));
    assert!(d.is_excluded("docs/a/b.md"));
    assert!(d.is_excluded("docs/b.md"));
    assert!(!d.is_excluded("docs/keep.md"));
    assert!(d.is_excluded("secret1.txt"));
    assert!(!d.is_excluded("secret10.txt"));
    assert!(!d.is_excluded("src/main.rs"));
    assert!(d.is_excluded("dist/y/z"), "patterns are cleaned");
    assert!(!d.is_excluded("dist/x"));
    assert!(d.is_excluded("./node_modules//x"), "paths are cleaned");
    assert!(!d.is_excluded(""));
    assert!(d.has_exceptions());

    let d = DockerIgnore::parse("*.md\n!README*.md\nREADME-secret.md\n").unwrap();
    assert!(d.is_excluded("CHANGES.md"));
    assert!(!d.is_excluded("README.md"));
    assert!(d.is_excluded("README-secret.md"), "last match wins");
    // An escaped character is literal (moby would hand `\d` to Go's regexp as a digit).
    assert!(pm(&["a\\d"]).is_excluded("ad"));
    assert!(!pm(&["a\\d"]).is_excluded("a1"));
}

#[test]
fn go_clean_and_dir() {
    for (p, want) in [
        ("", "."),
        (".", "."),
        ("a/b/", "a/b"),
        ("./a//b/./c/..", "a/b"),
        ("../a", "../a"),
        ("a/../..", ".."),
        ("/../a", "/a"),
        ("/", "/"),
        ("!x/", "!x"),
    ] {
        assert_eq!(clean(p), want, "{p:?}");
    }
    assert_eq!(dir("file"), ".");
    assert_eq!(dir("a/b/"), "a/b");
    assert_eq!(dir("a/b"), "a");
    assert_eq!(dir("/"), "/");
}
