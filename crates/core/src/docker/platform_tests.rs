use super::*;

fn linux(arch: &str, local: bool) -> EngineFacts {
    EngineFacts {
        os: "linux".into(),
        arch: arch.into(),
        operating_system: "Debian GNU/Linux 12 (bookworm)".into(),
        local_kernel: local,
    }
}

fn arm64() -> Platform {
    parse_platform("linux/arm64").unwrap()
}

fn entry(enabled: bool, flags: &str) -> Binfmt {
    Binfmt::Entry {
        entry: "qemu-aarch64".into(),
        enabled,
        flags: flags.into(),
    }
}

fn message(s: Support) -> String {
    match s {
        Support::Unsupported { message } => message,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn platforms_parse_with_aliases_and_variants() {
    assert_eq!(arm64().to_string(), "linux/arm64");
    assert_eq!(parse_platform("arm64").unwrap().to_string(), "linux/arm64");
    assert_eq!(
        parse_platform("Linux/AARCH64").unwrap().to_string(),
        "linux/arm64"
    );
    assert_eq!(
        parse_platform("linux/x86_64").unwrap().to_string(),
        "linux/amd64"
    );
    let v7 = parse_platform("linux/arm/v7").unwrap();
    assert_eq!(
        (v7.arch.as_str(), v7.variant.as_deref()),
        ("arm", Some("v7"))
    );
    assert_eq!(v7.to_string(), "linux/arm/v7");
    for bad in [
        "",
        "linux/",
        "linux/arm/",
        "darwin/arm64",
        "linux/sparc9",
        "a/b/c/d",
    ] {
        let e = parse_platform(bad).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        assert!(e.to_string().contains("linux/arm64"), "{e}");
    }
}

#[test]
fn emulator_entries_use_qemu_names() {
    assert_eq!(qemu_entry("arm64").as_deref(), Some("qemu-aarch64"));
    assert_eq!(qemu_entry("amd64").as_deref(), Some("qemu-x86_64"));
    assert_eq!(qemu_entry("mips64le").as_deref(), Some("qemu-mips64el"));
    assert_eq!(qemu_entry("sparc"), None);
}

#[test]
fn the_engines_own_architecture_is_native_whatever_its_spelling() {
    assert_eq!(
        decide(&arm64(), &linux("aarch64", false), None),
        Support::Native
    );
    let amd = parse_platform("linux/amd64").unwrap();
    assert_eq!(decide(&amd, &linux("x86_64", true), None), Support::Native);
    let i386 = parse_platform("linux/386").unwrap();
    assert_eq!(decide(&i386, &linux("x86_64", true), None), Support::Native);
}

#[test]
fn a_local_engine_with_an_enabled_fixed_qemu_entry_emulates() {
    let s = decide(&arm64(), &linux("x86_64", true), Some(&entry(true, "PF")));
    match s {
        Support::Emulated { how } => assert!(how.contains("qemu-aarch64"), "{how}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_local_engine_without_usable_qemu_is_refused_with_how_to_enable_it() {
    let facts = linux("x86_64", true);
    let missing = Binfmt::Missing {
        entry: "qemu-aarch64".into(),
    };
    for (b, specific) in [
        (missing, "qemu-aarch64 is missing"),
        (entry(false, "PF"), "is disabled"),
        (entry(true, "P"), "without the F flag"),
        (Binfmt::NotMounted, "not mounted"),
        (Binfmt::Disabled, "binfmt_misc is disabled"),
    ] {
        let m = message(decide(&arm64(), &facts, Some(&b)));
        assert!(m.contains(specific), "{m}");
        assert!(
            m.contains("apt-get install qemu-user-static binfmt-support"),
            "{m}"
        );
        assert!(m.contains("tonistiigi/binfmt --install arm64"), "{m}");
    }
}

#[test]
fn a_remote_engine_is_unknown_and_docker_desktop_emulates() {
    match decide(&arm64(), &linux("x86_64", false), None) {
        Support::Unknown { note } => {
            assert!(note.contains("not on this machine's kernel"), "{note}");
            assert!(note.contains("exec format error"), "{note}");
        }
        other => panic!("{other:?}"),
    }
    let desktop = EngineFacts {
        operating_system: "Docker Desktop".into(),
        ..linux("x86_64", false)
    };
    assert!(matches!(
        decide(&arm64(), &desktop, None),
        Support::Emulated { .. }
    ));
}

#[test]
fn an_engine_of_another_os_is_refused() {
    let win = EngineFacts {
        os: "windows".into(),
        ..linux("x86_64", false)
    };
    assert!(message(decide(&arm64(), &win, None)).contains("runs windows containers"));
}

#[test]
fn binfmt_entries_are_read_from_the_folder() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(read_binfmt(d.path(), "arm64"), Binfmt::NotMounted);
    std::fs::write(d.path().join("status"), "disabled\n").unwrap();
    assert_eq!(read_binfmt(d.path(), "arm64"), Binfmt::Disabled);
    std::fs::write(d.path().join("status"), "enabled\n").unwrap();
    assert_eq!(
        read_binfmt(d.path(), "arm64"),
        Binfmt::Missing {
            entry: "qemu-aarch64".into()
        }
    );
    std::fs::write(
        d.path().join("qemu-aarch64"),
        "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\noffset 0\n",
    )
    .unwrap();
    assert_eq!(read_binfmt(d.path(), "arm64"), entry(true, "PF"));
    std::fs::write(d.path().join("qemu-aarch64"), "disabled\nflags: F\n").unwrap();
    assert_eq!(read_binfmt(d.path(), "arm64"), entry(false, "F"));
}
