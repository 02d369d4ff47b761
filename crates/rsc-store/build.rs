//! Embeds the migrations: lists `migrations/postgres` and `migrations/sqlite` at the workspace
//! root into `$OUT_DIR/migrations.rs`, each file as its version, description and text
//! (`include_str!`), so a new file is embedded without being listed by hand and an edited one
//! is built into the server.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a build script is reused by every
    // checkout that shares a target folder, and must read this checkout's migrations.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("../../migrations");
    let mut code = String::new();
    for backend in ["postgres", "sqlite"] {
        let folder = root.join(backend);
        println!("cargo:rerun-if-changed={}", folder.display());
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("reading {}: {e}", folder.display()))
            .map(|entry| entry.expect("a migration file").path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        writeln!(code, "/// The {backend} migrations in order: version, description and SQL.").expect("write");
        writeln!(code, "pub(crate) const {}: &[(i64, &str, &str)] = &[", backend.to_uppercase()).expect("write");
        for path in files {
            let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
            // sqlx's naming: `<version>_<description>.sql`, the description's `_` read as spaces.
            let (version, rest) = name.split_once('_').unwrap_or_else(|| panic!("{name}: not <version>_<name>.sql"));
            let version: i64 = version.parse().unwrap_or_else(|_| panic!("{name}: the version is not a number"));
            assert!(!rest.ends_with(".up.sql") && !rest.ends_with(".down.sql"), "{name}: migrations only go up");
            let description = rest.trim_end_matches(".sql").replace('_', " ");
            let path = path.canonicalize().expect("a migration's path").display().to_string();
            writeln!(code, "    ({version}, {description:?}, include_str!({path:?})),").expect("write");
        }
        writeln!(code, "];").expect("write");
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(out, code).expect("writing migrations.rs");
}
