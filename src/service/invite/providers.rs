//! The providers an invitation goes through: Zalo ZNS (a template message), one generic SMS
//! gateway (URL, auth header, a JSON body with `{phone}` and `{text}`, success judged by the
//! status and one JSON field), and the demo's provider inside the process. Every URL is a
//! setting, so tests point them at fakes in the test.

use std::path::PathBuf;

use crate::domain::invite::{Route, ZnsAnswer};

#[derive(Debug, Clone)]
pub struct ZnsSettings {
    /// The API's base (`https://business.openapi.zalo.me`); the message goes to
    /// `{url}/message/template`.
    pub url: String,
    /// The access token; or a JSON object with `access_token`, `refresh_token`, `app_id`,
    /// `secret_key`, which a refresh rewrites.
    pub token_file: PathBuf,
    /// Where a token found invalid (−124) is refreshed, once, before sending again.
    pub refresh_url: Option<String>,
    pub template: String,
}

#[derive(Debug, Clone)]
pub struct SmsSettings {
    pub url: String,
    /// The auth header's value (`Bearer …`, `Basic …`), when the gateway wants one.
    pub token_file: Option<PathBuf>,
    pub auth_header: String,
    /// The JSON body, with `{phone}` and `{text}` where they go.
    pub body: String,
    /// `path=value`: the gateway took the message when the JSON answer holds this (dotted
    /// path); without it, any 2xx status is success.
    pub ok: Option<(String, String)>,
    /// The message, with `{unit}` and `{link}`.
    pub template: String,
}

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An invitation to rate (its code, unit, link and days).
    Invitation,
    /// A one-time code proving a phone for a request about personal data (its code only).
    Verification,
}

/// The templates of a verification message: the ZNS template's id (none: ZNS is not used
/// for it), and the SMS text with `{code}`.
#[derive(Debug, Clone, Default)]
pub struct CodeTemplates {
    pub zns: Option<String>,
    pub sms: String,
}

/// One message to send.
#[derive(Debug, Clone)]
pub struct Message {
    pub purpose: Purpose,
    pub phone: String,
    pub code: String,
    pub unit_name: String,
    pub link: String,
    pub days: i64,
    pub tracking_id: String,
}

/// What a provider said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Accepted,
    /// This route cannot reach the number (no Zalo account): another route may.
    NotThisWay(String),
    /// Try again later (timeout, 5xx, the provider's own trouble).
    Later(String),
    /// Refused: giving up.
    Refused(String),
}

pub struct Providers {
    pub client: reqwest::Client,
    pub zns: Option<ZnsSettings>,
    pub sms: Option<SmsSettings>,
    pub codes: CodeTemplates,
    /// One token refresh at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl Providers {
    pub fn new(
        client: reqwest::Client,
        zns: Option<ZnsSettings>,
        sms: Option<SmsSettings>,
        codes: CodeTemplates,
    ) -> Providers {
        Providers {
            client,
            zns,
            sms,
            codes,
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    pub async fn send(&self, route: Route, message: &Message) -> Reply {
        match route {
            Route::Demo => Reply::Accepted,
            Route::Zns => match &self.zns {
                Some(_) if message.purpose == Purpose::Verification && self.codes.zns.is_none() => {
                    Reply::NotThisWay("no ZNS template for codes (--zns-code-template)".into())
                }
                Some(zns) => self.send_zns(zns, message).await,
                None => Reply::Refused("ZNS is not configured".into()),
            },
            Route::Sms => match &self.sms {
                Some(sms) => self.send_sms(sms, message).await,
                None => Reply::Refused("SMS is not configured".into()),
            },
        }
    }

    async fn send_zns(&self, zns: &ZnsSettings, message: &Message) -> Reply {
        let token = match read_tokens(&zns.token_file) {
            Ok(t) => t,
            Err(e) => return Reply::Later(e),
        };
        match self.post_zns(zns, &token.access, message).await {
            Ok(ZnsAnswer::TokenInvalid) => {}
            Ok(answer) => return reply_of(answer),
            Err(later) => return later,
        }
        // −124: refresh once (unless another send refreshed meanwhile), then send again.
        let fresh = {
            let _one = self.refreshing.lock().await;
            match read_tokens(&zns.token_file) {
                Ok(now) if now.access != token.access => Ok(now),
                Ok(now) => self.refresh(zns, now).await,
                Err(e) => Err(e),
            }
        };
        let fresh = match fresh {
            Ok(f) => f,
            Err(e) => return Reply::Later(format!("the ZNS token is invalid (−124): {e}")),
        };
        match self.post_zns(zns, &fresh.access, message).await {
            Ok(ZnsAnswer::TokenInvalid) => {
                Reply::Later("the ZNS token is invalid (−124) after a refresh".into())
            }
            Ok(answer) => reply_of(answer),
            Err(later) => later,
        }
    }

    async fn post_zns(
        &self,
        zns: &ZnsSettings,
        token: &str,
        message: &Message,
    ) -> Result<ZnsAnswer, Reply> {
        let (template, data) = match message.purpose {
            Purpose::Invitation => (
                zns.template.as_str(),
                serde_json::json!({
                    "unit": message.unit_name,
                    "code": message.code,
                    "days": message.days,
                }),
            ),
            Purpose::Verification => (
                self.codes.zns.as_deref().unwrap_or_default(),
                serde_json::json!({ "otp": message.code }),
            ),
        };
        let body = serde_json::json!({
            "phone": message.phone,
            "template_id": template,
            "template_data": data,
            "tracking_id": message.tracking_id,
        });
        let url = format!("{}/message/template", zns.url.trim_end_matches('/'));
        let answer = self
            .client
            .post(url)
            .header("access_token", token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let json = json_of(answer).await?;
        let error = json
            .get("error")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| Reply::Later("ZNS answered without an error code".into()))?;
        Ok(ZnsAnswer::of(error))
    }

    /// Zalo's refresh: `grant_type=refresh_token` with the refresh token and app id (and
    /// the app's secret key as a header); the new tokens are written back to the file.
    async fn refresh(&self, zns: &ZnsSettings, old: Tokens) -> Result<Tokens, String> {
        let url = zns
            .refresh_url
            .as_deref()
            .ok_or("no --zns-refresh-url to refresh it with")?;
        let refresh = old
            .refresh
            .as_deref()
            .ok_or("the token file holds no refresh_token")?;
        // application/x-www-form-urlencoded: all but letters, digits and `-._*` escaped.
        const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'*');
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, FORM).to_string();
        let mut form = format!("grant_type=refresh_token&refresh_token={}", enc(refresh));
        if let Some(app) = &old.app_id {
            form.push_str(&format!("&app_id={}", enc(app)));
        }
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        if let Some(secret) = &old.secret_key {
            request = request.header("secret_key", secret);
        }
        let json = json_of(request.send().await)
            .await
            .map_err(|r| format!("{r:?}"))?;
        let access = json
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .ok_or("the refresh answered without an access_token")?;
        let fresh = Tokens {
            access: access.to_string(),
            refresh: json
                .get("refresh_token")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
                .or(old.refresh),
            app_id: old.app_id,
            secret_key: old.secret_key,
        };
        write_tokens(&zns.token_file, &fresh)?;
        tracing::info!("the ZNS access token was refreshed");
        Ok(fresh)
    }

    async fn send_sms(&self, sms: &SmsSettings, message: &Message) -> Reply {
        let text = match message.purpose {
            Purpose::Invitation => {
                crate::domain::invite::sms_text(&sms.template, &message.unit_name, &message.link)
            }
            Purpose::Verification => self.codes.sms.replace("{code}", &message.code),
        };
        let body = sms
            .body
            .replace("{phone}", &json_inner(&message.phone))
            .replace("{text}", &json_inner(&text));
        let mut request = self
            .client
            .post(&sms.url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(file) = &sms.token_file {
            match std::fs::read_to_string(file) {
                Ok(value) => request = request.header(sms.auth_header.as_str(), value.trim()),
                Err(e) => return Reply::Later(format!("cannot read --sms-token-file: {e}")),
            }
        }
        let answer = request.send().await;
        let Some((path, expected)) = &sms.ok else {
            return match answer {
                Ok(r) if r.status().is_success() => Reply::Accepted,
                Ok(r) => status_reply(r.status()),
                Err(e) => Reply::Later(format!("sending failed: {e}")),
            };
        };
        match json_of(answer).await {
            Ok(json) => {
                let found = path
                    .split('.')
                    .try_fold(&json, |v, key| v.get(key))
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
                if found.as_deref() == Some(expected.as_str()) {
                    Reply::Accepted
                } else {
                    Reply::Refused(format!(
                        "the gateway answered {path}={}",
                        found.as_deref().unwrap_or("(absent)")
                    ))
                }
            }
            Err(reply) => reply,
        }
    }
}

fn reply_of(answer: ZnsAnswer) -> Reply {
    match answer {
        ZnsAnswer::Accepted => Reply::Accepted,
        ZnsAnswer::NoZalo => Reply::NotThisWay("the number has no Zalo account (−118)".into()),
        ZnsAnswer::Later => Reply::Later("ZNS asked to try later (−100)".into()),
        ZnsAnswer::TokenInvalid => Reply::Later("the ZNS token is invalid (−124)".into()),
        ZnsAnswer::Refused(code) => Reply::Refused(format!("ZNS refused the message ({code})")),
    }
}

fn status_reply(status: reqwest::StatusCode) -> Reply {
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Reply::Later(format!("the provider answered {status}"))
    } else {
        Reply::Refused(format!("the provider answered {status}"))
    }
}

/// A successful answer's JSON; a failed sending or status as the reply to give.
async fn json_of(answer: reqwest::Result<reqwest::Response>) -> Result<serde_json::Value, Reply> {
    let response = answer.map_err(|e| Reply::Later(format!("sending failed: {e}")))?;
    if !response.status().is_success() {
        return Err(status_reply(response.status()));
    }
    let text = response
        .text()
        .await
        .map_err(|e| Reply::Later(format!("the answer was cut: {e}")))?;
    serde_json::from_str(&text).map_err(|e| Reply::Later(format!("the answer is not JSON: {e}")))
}

/// A value written inside a JSON string (quotes and control characters escaped).
fn json_inner(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Tokens {
    #[serde(rename = "access_token")]
    access: String,
    #[serde(
        rename = "refresh_token",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    refresh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
}

/// The token file: a bare access token, or the JSON object a refresh writes.
fn read_tokens(path: &std::path::Path) -> Result<Tokens, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read --zns-token-file {}: {e}", path.display()))?;
    let text = text.trim();
    if text.starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            format!(
                "--zns-token-file {} is not the JSON expected: {e}",
                path.display()
            )
        })
    } else {
        Ok(Tokens {
            access: text.to_string(),
            refresh: None,
            app_id: None,
            secret_key: None,
        })
    }
}

/// Replaces the token file whole (a new file renamed over the old, owner-only).
fn write_tokens(path: &std::path::Path, tokens: &Tokens) -> Result<(), String> {
    let text = serde_json::to_string_pretty(tokens).map_err(|e| e.to_string())?;
    let temp = path.with_extension("refreshing");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = options.open(&temp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().map_err(|e| format!("cannot write --zns-token-file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_goes_into_json_escaped() {
        assert_eq!(json_inner("a \"b\"\n"), "a \\\"b\\\"\\n");
        let body = r#"{"to":"{phone}","text":"{text}"}"#
            .replace("{phone}", &json_inner("84912345678"))
            .replace("{text}", &json_inner("Mời \"đánh giá\""));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["text"], "Mời \"đánh giá\"");
    }
}
