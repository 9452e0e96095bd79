//! The invitations' settings (`--invite-*`, `--zns-*`, `--sms-*`; SPEC §11).

use std::path::PathBuf;

use clap::Args;

use crate::domain::invite::{Caps, Hours, Via, DEFAULT_SMS_TEMPLATE};
use crate::domain::requests::DEFAULT_CODE_SMS;
use crate::service::invite::{CodeTemplates, InviteSettings, SmsSettings, ZnsSettings};

#[derive(Debug, Clone, Args)]
pub struct InviteArgs {
    /// Invitations after the result: off, zns, sms, zns,sms (Zalo first, SMS for a number
    /// without Zalo) or demo (a provider inside the process: nothing leaves the machine).
    #[arg(long, env = "HAILONG_INVITE_VIA", default_value = "off", value_parser = Via::parse)]
    pub invite_via: Via,
    /// Days an invitation's code stays valid after it was sent.
    #[arg(long, env = "HAILONG_INVITE_VALID_DAYS", default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=90))]
    pub invite_valid_days: i64,
    /// Local hours in which invitations are sent (others wait until then); 00-24: any hour.
    #[arg(long, env = "HAILONG_INVITE_HOURS", default_value = "07-22", value_parser = Hours::parse)]
    pub invite_hours: Hours,
    /// At most N invitations to one number in each window.
    #[arg(long, env = "HAILONG_INVITE_PER_NUMBER", default_value = "1/24h,3/30d", value_parser = Caps::parse)]
    pub invite_per_number: Caps,
    /// Zalo ZNS's API base; the message goes to {url}/message/template.
    #[arg(long, env = "HAILONG_ZNS_URL")]
    pub zns_url: Option<String>,
    /// A file holding the ZNS access token (or the JSON a refresh writes: access_token,
    /// refresh_token, app_id, secret_key).
    #[arg(long, env = "HAILONG_ZNS_TOKEN_FILE")]
    pub zns_token_file: Option<PathBuf>,
    /// Where an invalid ZNS token (−124) is refreshed once before sending again.
    #[arg(long, env = "HAILONG_ZNS_REFRESH_URL")]
    pub zns_refresh_url: Option<String>,
    /// The ZNS template's id (its data: unit, code, days).
    #[arg(long, env = "HAILONG_ZNS_TEMPLATE")]
    pub zns_template: Option<String>,
    /// The SMS gateway's URL (a JSON POST).
    #[arg(long, env = "HAILONG_SMS_URL")]
    pub sms_url: Option<String>,
    /// A file holding the SMS gateway's auth header value (`Bearer …`, `Basic …`).
    #[arg(long, env = "HAILONG_SMS_TOKEN_FILE")]
    pub sms_token_file: Option<PathBuf>,
    /// The name of the SMS gateway's auth header.
    #[arg(long, env = "HAILONG_SMS_AUTH_HEADER", default_value = "Authorization")]
    pub sms_auth_header: String,
    /// The SMS gateway's JSON body, with {phone} and {text} where they go.
    #[arg(long, env = "HAILONG_SMS_BODY")]
    pub sms_body: Option<String>,
    /// path=value: the gateway took a message when its JSON answer holds this (dotted
    /// path); without it, any 2xx status is success.
    #[arg(long, env = "HAILONG_SMS_OK")]
    pub sms_ok: Option<String>,
    /// The SMS text, with {unit} and {link}.
    #[arg(long, env = "HAILONG_SMS_TEMPLATE", default_value = DEFAULT_SMS_TEMPLATE)]
    pub sms_template: String,
    /// The ZNS template's id for the one-time code that proves a phone on /privacy/request
    /// (its data: otp); without it codes go by SMS only.
    #[arg(long, env = "HAILONG_ZNS_CODE_TEMPLATE")]
    pub zns_code_template: Option<String>,
    /// The SMS text of that code, with {code}.
    #[arg(long, env = "HAILONG_SMS_CODE_TEMPLATE", default_value = DEFAULT_CODE_SMS)]
    pub sms_code_template: String,
}

impl InviteArgs {
    /// The settings, or the flag that is missing or wrong.
    pub fn settings(&self) -> Result<InviteSettings, String> {
        let zns = match (&self.zns_url, &self.zns_token_file, &self.zns_template) {
            (Some(url), Some(token_file), Some(template)) => Some(ZnsSettings {
                url: url.clone(),
                token_file: token_file.clone(),
                refresh_url: self.zns_refresh_url.clone(),
                template: template.clone(),
            }),
            _ => None,
        };
        let ok = match &self.sms_ok {
            None => None,
            Some(s) => {
                let (path, value) = s
                    .split_once('=')
                    .ok_or_else(|| format!("--sms-ok \"{s}\" is not path=value"))?;
                Some((path.trim().to_string(), value.trim().to_string()))
            }
        };
        let sms = match (&self.sms_url, &self.sms_body) {
            (Some(url), Some(body)) => {
                if !body.contains("{phone}") || !body.contains("{text}") {
                    return Err("--sms-body must hold {phone} and {text}".into());
                }
                Some(SmsSettings {
                    url: url.clone(),
                    token_file: self.sms_token_file.clone(),
                    auth_header: self.sms_auth_header.clone(),
                    body: body.clone(),
                    ok,
                    template: self.sms_template.clone(),
                })
            }
            _ => None,
        };
        let settings = InviteSettings {
            via: self.invite_via.clone(),
            valid_days: self.invite_valid_days,
            hours: self.invite_hours,
            caps: self.invite_per_number.clone(),
            zns,
            sms,
            codes: CodeTemplates {
                zns: self.zns_code_template.clone(),
                sms: self.sms_code_template.clone(),
            },
            ..Default::default()
        };
        if !settings.codes.sms.contains("{code}") {
            return Err("--sms-code-template must hold {code}".into());
        }
        settings.check()?;
        Ok(settings)
    }
}
