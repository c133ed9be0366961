//! Schema migrations, one SQL file each in `migrations/`, applied in order inside a
//! transaction; `PRAGMA user_version` records how far a database has come.

use rusqlite::Connection;

/// Every migration in order; the schema version is the number applied.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_cache", include_str!("../migrations/0001_cache.sql")),
    ("0002_offline", include_str!("../migrations/0002_offline.sql")),
    ("0003_resource_by_id", include_str!("../migrations/0003_resource_by_id.sql")),
    ("0004_dismissed_cards", include_str!("../migrations/0004_dismissed_cards.sql")),
];

pub fn apply(conn: &Connection) -> Result<(), rusqlite::Error> {
    apply_up_to(conn, MIGRATIONS.len())
}

/// Applies the migrations up to `target` (a schema version): for tests that start
/// from a database an earlier release left behind.
pub fn apply_up_to(conn: &Connection, target: usize) -> Result<(), rusqlite::Error> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))? as usize;
    for (version, (name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1))?;
        tx.commit()?;
        tracing::info!(migration = name, "local database migrated");
    }
    Ok(())
}
