//! `core.search(text)`: news and events in one list.

use super::model::{SearchHit, SearchKind};
use crate::error::CoreError;
use crate::{Core, events, news, search};

impl Core {
    /// News and events matching `text`, folded ("zlobek" finds "Żłobek"),
    /// the last word as a prefix.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<SearchHit>, CoreError> {
        Ok(self.store.read(|c| {
            let mut hits = Vec::new();
            for (kind, id) in search::query(c, text, limit)? {
                let hit = match kind.as_str() {
                    search::KIND_NEWS => {
                        let n = news::get(c, id)?;
                        SearchHit {
                            kind: SearchKind::News,
                            id,
                            snippet: search::snippet(&n.body, text, 160),
                            title: n.title,
                        }
                    }
                    _ => {
                        let e = events::get(c, id)?;
                        SearchHit {
                            kind: SearchKind::Event,
                            id,
                            snippet: search::snippet(&e.description, text, 160),
                            title: e.title,
                        }
                    }
                };
                hits.push(hit);
            }
            Ok(hits)
        })?)
    }
}
