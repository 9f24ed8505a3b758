//! What the widget reads about a site before it shows the form.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/sites/{site}/widget`: the site's public settings, in the page's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetConfig {
    pub site: String,
    pub name: String,
    pub topics: Vec<TopicInfo>,
    pub privacy_url: String,
    /// The largest photo accepted, in bytes; 0 when the site takes none.
    #[serde(default)]
    pub max_photo_bytes: u64,
    /// How long answers usually take, in the site's words; the catalogue's text otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicInfo {
    pub id: String,
    pub label: String,
    /// The form asks where (an address or a place): roads, street lights, cleanliness…
    #[serde(default)]
    pub location: bool,
}
