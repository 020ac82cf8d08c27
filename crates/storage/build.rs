// sqlx::migrate! embeds the migration files at compile time; a new file in
// migrations/ must trigger a rebuild of this crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
