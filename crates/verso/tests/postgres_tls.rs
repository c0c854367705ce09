//! With the `postgres-rustls` feature, a store reaches PostgreSQL over TLS
//! when the URL asks for it (`sslmode=require`). CI runs it with
//! `cargo test -p verso --features postgres-rustls --test postgres_tls`;
//! the local server has TLS on with a self-signed certificate, which
//! `require` accepts without verifying (as libpq does).
#![cfg(feature = "postgres-rustls")]

use verso::{Entity, Meta, Store};

#[derive(Clone, Debug, PartialEq, Entity)]
struct Secret {
    meta: Meta,
    text: String,
}

#[tokio::test]
async fn a_url_asking_for_tls_gets_an_encrypted_connection() {
    let base = std::env::var("VERSO_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}sslmode=require");
    let driver = match verso::drivers::PostgresDriver::connect(&url).await {
        Ok(driver) => driver,
        Err(e) if std::env::var("VERSO_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("PostgreSQL over TLS required but {url}: {e}")
        }
        Err(e) => {
            eprintln!("\n!!! SKIPPED: PostgreSQL over TLS, {url}: {e}\n");
            return;
        }
    };
    // The connections Verso itself opened are encrypted.
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(driver.pool())
            .await
            .unwrap();
    assert!(encrypted, "the connection is TLS");

    let store = Store::with_driver(driver);
    let mut secret = Secret {
        meta: Meta::new(),
        text: "over the wire, encrypted".into(),
    };
    store.commit(&mut secret).await.unwrap();
    let read: Secret = store.get(secret.meta.ecs_id()).await.unwrap();
    assert_eq!(read, secret);
}
