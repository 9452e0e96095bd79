//! Settings' parts: who publishes and the calendar; personal data.

/// Who issues the results and how to reach them; when a period's results are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishingSettings {
    /// Empty: the controller's.
    pub publisher: String,
    pub publisher_contact: String,
    pub publish_after_days: i64,
    /// `--chromium`: a path, `off`, or empty (look on the PATH). Off unless set so: a library
    /// user (and a test) prints no PDF unless it asks for one.
    pub chromium: String,
    /// `--page-cache-mb`: memory for the public pages kept ready (issue 38).
    pub page_cache_mb: u64,
}

impl PublishingSettings {
    pub fn of(args: &super::ServeArgs) -> PublishingSettings {
        PublishingSettings {
            publisher: args.publisher.clone(),
            publisher_contact: args.publisher_contact.clone(),
            publish_after_days: args.publish_after_days,
            chromium: args.chromium.clone(),
            page_cache_mb: args.page_cache_mb,
        }
    }
}

impl Default for PublishingSettings {
    fn default() -> PublishingSettings {
        PublishingSettings {
            publisher: String::new(),
            publisher_contact: String::new(),
            publish_after_days: 14,
            chromium: "off".into(),
            page_cache_mb: 32,
        }
    }
}

/// What the record of processing needs beyond the other settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacySettings {
    pub controller_name: String,
    pub controller_contact: String,
    pub contact_retention_days: i64,
    pub request_retention_days: i64,
    pub audit_retention_years: i64,
    pub requests: crate::domain::requests::RequestDeadlines,
    /// Requests per client address.
    pub request_limit: Option<crate::web::ratelimit::Limit>,
}

impl Default for PrivacySettings {
    fn default() -> PrivacySettings {
        PrivacySettings {
            controller_name: String::new(),
            controller_contact: String::new(),
            contact_retention_days: 365,
            request_retention_days: 1095,
            audit_retention_years: 5,
            requests: Default::default(),
            request_limit: Some(crate::web::ratelimit::Limit {
                max: 10,
                window: std::time::Duration::from_secs(3600),
            }),
        }
    }
}
