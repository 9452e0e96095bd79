//! `hailong topics check FILE` and `hailong topics test FILE.tsv [--topics RULES]` (SPEC §12):
//! a rules file checked with its line named, and rules measured on a labelled file.

use super::*;
use crate::domain::topics::{evaluate, Rules, Score, DEFAULT_RULES};

fn read(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn rules_of(path: &std::path::Path) -> Result<Rules> {
    Rules::parse(&read(path)?).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

fn line(s: &Score) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
        s.topic,
        s.tp,
        s.fp,
        s.missed,
        cell(s.precision()),
        cell(s.recall()),
        cell(s.f1())
    )
}

pub(super) fn run(cmd: config::TopicsCommand) -> Result<()> {
    match cmd {
        config::TopicsCommand::Check { file } => {
            rules_of(&file)?;
            println!("{}: the rules are fine", file.display());
        }
        config::TopicsCommand::Test { file, topics } => {
            let rules = match topics {
                Some(path) => rules_of(&path)?,
                None => {
                    Rules::parse(DEFAULT_RULES).map_err(|e| anyhow!("the shipped rules: {e}"))?
                }
            };
            let labelled = read(&file)?;
            let (scores, all) =
                evaluate(&rules, &labelled).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            println!("topic\ttp\tfp\tmissed\tprecision\trecall\tf1");
            for s in &scores {
                println!("{}", line(s));
            }
            println!("{}", line(&all).replacen("all", "micro", 1));
        }
    }
    Ok(())
}

/// The rules the service tags by: the newest saved at `/staff/topics`, else the file the
/// service is told (`HAILONG_TOPICS`), else the shipped ones.
pub(super) fn in_use(store: &crate::store::Store) -> Result<std::sync::Arc<Rules>> {
    let file = std::env::var_os("HAILONG_TOPICS").map(std::path::PathBuf::from);
    Ok(crate::service::topics::CurrentRules::load(file.as_deref())
        .map_err(|e| anyhow::anyhow!(e))?
        .rules(store)?)
}
