//! `hailong privacy register`: the record of processing the service runs under (SPEC §13), as
//! it last started on this database — so the register never drifts from the running settings.

use super::*;

pub(super) fn register(g: &Global, format: &str, lang: &str) -> Result<()> {
    let store = open(&g.database_url)?;
    let Some(json) = crate::service::privacy::stored(&store)? else {
        bail!("the service has not started on this database yet: the register is the one `hailong serve` runs by, so start it once");
    };
    match format {
        "json" => println!("{json}"),
        "md" => {
            let lang = match lang {
                "vi" => crate::domain::lang::Lang::Vi,
                "en" => crate::domain::lang::Lang::En,
                other => bail!("--lang {other}: use vi or en"),
            };
            let register: crate::domain::personal::Register =
                serde_json::from_str(&json).context("the stored register cannot be read")?;
            print!("{}", crate::render::privacy::markdown(&register, lang));
        }
        other => bail!("--format {other}: use md or json"),
    }
    Ok(())
}
