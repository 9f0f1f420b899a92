//! `accord token create`: a token made offline, on the data folder itself —
//! the way back in when every admin token is lost (docs/security.md).

use std::sync::Arc;

use accord_api::TokenBook;
use accord_domain::PartyId;
use accord_engine::Role;
use accord_store::{MetaStore, SledStore};
use anyhow::{bail, Context, Result};

use crate::cli::TokenCreateArgs;

/// Creates the token and prints its secret once on stdout.
pub fn create(args: TokenCreateArgs) -> Result<()> {
    let dir = &args.data.data;
    if args.data.database_url.is_none() && !dir.exists() {
        bail!("no data folder at {}", dir.display());
    }
    let role = Role::parse(&args.role).context("unknown role")?;
    let party = match (role, args.party) {
        (Role::Writer, None) => bail!("a writer token needs --party <party_id>"),
        (Role::Writer, Some(p)) => {
            Some(PartyId::parse(&p).map_err(anyhow::Error::msg)?.to_string())
        }
        (_, Some(_)) => bail!("only writer tokens are bound to a party"),
        (_, None) => None,
    };
    let meta: Arc<dyn MetaStore> = match &args.data.database_url {
        // The database serves several processes: no need to stop the server.
        Some(url) => Arc::new(crate::serve::open_pg(url)?),
        None => Arc::new(SledStore::open(dir).with_context(|| {
            format!(
                "opening {}: is `accord serve` running on it? The server locks the \
                 data folder; stop it, create the token, then start it again",
                dir.display()
            )
        })?),
    };
    let book = TokenBook::load(meta).context("loading tokens")?;
    let (record, secret) = book
        .create(role, party, args.label.as_deref())
        .context("storing the token")?;
    eprintln!(
        "created {} token {}{}; the secret below is shown only once:",
        record.role,
        record.id,
        record
            .party_id
            .map(|p| format!(" for {p}"))
            .unwrap_or_default()
    );
    println!("{secret}");
    Ok(())
}
