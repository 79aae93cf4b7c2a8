//! The next best action's model (`domain::offers::relevance`), read from
//! the offer instances the profile holds: nothing of it is stored apart,
//! so erasing the offers erases it, and the export shows it.

use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::offers::relevance::RelevanceModel;
use crate::error::Result;
use crate::store::Connection;
use std::collections::BTreeMap;

/// The shopper's outcomes per merchant, and per category of the merchants
/// the catalog in force (`catalog`) still holds.
pub fn model(conn: &Connection, catalog: Option<&LoadedCatalog>) -> Result<RelevanceModel> {
    let outcomes = super::offers::outcomes_by_merchant(conn)?;
    let mut model = RelevanceModel::default();
    if outcomes.is_empty() {
        return Ok(model);
    }
    let mut categories: BTreeMap<&str, &str> = BTreeMap::new();
    if let Some(cat) = catalog {
        for m in cat.merchants() {
            if outcomes.binary_search_by(|(id, _)| id.as_str().cmp(m.id())).is_ok() {
                categories.insert(m.id(), m.category());
            }
        }
    }
    for (merchant_id, o) in &outcomes {
        model.add(merchant_id, categories.get(merchant_id.as_str()).copied(), o);
    }
    Ok(model)
}
