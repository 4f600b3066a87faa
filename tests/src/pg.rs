//! The PostgreSQL server a bench runs against: the one `pg_virtualenv`
//! started, found by libpq's environment variables (shared by the scale
//! and the tax-import benches).

use anyhow::Result;

/// The server `pg_virtualenv` started (PGHOST, PGPORT, PGUSER, PGPASSWORD).
pub struct Pg {
    base: String,
}

impl Pg {
    pub fn from_env() -> Option<Pg> {
        let q = |v: String| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
        let host = std::env::var("PGHOST").ok()?;
        let mut base = format!("host={}", q(host));
        if let Ok(port) = std::env::var("PGPORT") {
            base += &format!(" port={}", q(port));
        }
        base += &format!(" user={}", q(std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into())));
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            base += &format!(" password={}", q(pw));
        }
        Some(Pg { base })
    }

    pub fn url(&self, db: &str) -> String {
        format!("{} dbname='{db}'", self.base)
    }

    pub async fn client(&self, db: &str) -> Result<tokio_postgres::Client> {
        self.client_url(&self.url(db)).await
    }

    pub async fn client_url(&self, url: &str) -> Result<tokio_postgres::Client> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// A new empty database (an old one of that name dropped); its URL.
    pub async fn create_database(&self, name: &str) -> Result<String> {
        let c = self.client("postgres").await?;
        // Two statements: CREATE DATABASE cannot share a transaction.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        c.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        Ok(self.url(name))
    }
}
