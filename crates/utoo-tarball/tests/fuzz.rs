//! Bounded fuzzing (proptest) of the extractor: tarballs of random entries (hostile names,
//! every entry type, any mode, duplicates, links) and random damage to the bytes. Whatever
//! comes in, nothing panics, nothing is written outside the destination, no link is made and
//! no setuid/setgid/sticky bit survives. `UTOO_FUZZ_CASES` sets the cases (default 256).
#![cfg(unix)]

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use proptest::prelude::*;
use tar::EntryType;
use utoo_tarball::{extract_tgz_with, Limits};

fn cases() -> u32 {
    std::env::var("UTOO_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    kind: u8,
    mode: u32,
    link: String,
    data: Vec<u8>,
}

fn name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("package/".to_owned()),
        Just("../".to_owned()),
        Just("..\\".to_owned()),
        Just("/".to_owned()),
        Just("./".to_owned()),
        Just("C:".to_owned()),
        Just("lib/".to_owned()),
        Just("link/".to_owned()),
        Just("node_modules/".to_owned()),
        "[a-z]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    // Headers hold 100 bytes of name.
    prop::collection::vec(piece, 1..8).prop_map(|p| {
        let mut s = p.concat();
        while s.len() > 100 {
            s.pop();
        }
        s
    })
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        name(),
        prop::sample::select(vec![
            b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'x', b'g',
        ]),
        any::<u32>().prop_map(|m| m & 0o7777),
        prop_oneof![
            Just("../../outside".to_owned()),
            Just("/etc".to_owned()),
            name()
        ],
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(name, kind, mode, link, data)| Entry {
            name,
            kind,
            mode,
            link,
            data,
        })
}

// Raw headers: `tar::Builder` refuses the hostile names this is about.
fn tgz(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(e.mode);
        header.set_entry_type(EntryType::new(e.kind));
        let data: &[u8] = if e.kind == b'0' { &e.data } else { b"" };
        header.set_size(data.len() as u64);
        let raw = header.as_old_mut();
        raw.name = [0; 100];
        raw.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        let link = &e.link.as_bytes()[..e.link.len().min(100)];
        raw.linkname = [0; 100];
        raw.linkname[..link.len()].copy_from_slice(link);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&out).unwrap();
    gz.finish().unwrap()
}

// Everything under `dir`: no links, no special bits.
fn assert_tame(dir: &Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        assert!(
            !meta.file_type().is_symlink(),
            "{} is a link",
            entry.path().display()
        );
        assert_eq!(
            meta.permissions().mode() & 0o7000,
            0,
            "{}",
            entry.path().display()
        );
        if meta.is_dir() {
            assert_tame(&entry.path());
        } else {
            assert!(
                meta.is_file(),
                "{} is not a plain file",
                entry.path().display()
            );
        }
    }
}

fn check(bytes: &[u8], limits: Limits) {
    let root = tempfile::tempdir().unwrap();
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let dest = root.path().join("a/b/pkg");
    let _ = extract_tgz_with(bytes, &dest, limits);
    let top: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        top.iter().all(|n| n == "a" || n == "outside"),
        "wrote beside dest: {top:?}"
    );
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "wrote outside"
    );
    let beside: Vec<_> = std::fs::read_dir(root.path().join("a/b"))
        .unwrap()
        .flatten()
        .collect();
    assert!(beside.len() <= 1, "wrote beside dest");
    assert_tame(root.path());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn hostile_tarballs_stay_inside_the_destination(entries in prop::collection::vec(entry(), 0..12)) {
        check(&tgz(&entries), Limits::default());
    }

    #[test]
    fn damaged_bytes_and_tight_caps_never_panic(
        entries in prop::collection::vec(entry(), 1..6),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        max_entries in 0u64..8,
        max_bytes in 0u64..8192,
    ) {
        let mut bytes = tgz(&entries);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value;
        }
        let end = cut.index(bytes.len() + 1);
        check(&bytes[..end.min(bytes.len())], Limits { max_bytes, max_entries });
    }
}
