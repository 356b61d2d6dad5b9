//! Starting the service: the site description and the evaluator it serves.

use anyhow::Result;
use chrono::{Datelike, Utc};
use metrics::Period;

use crate::Config;

/// The month before the current one, in the ward's time zone: the latest complete month.
pub fn last_complete_month(cfg: &Config) -> Period {
    let today = Utc::now().with_timezone(&cfg.timezone()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    Period::month_of(first.pred_opt().unwrap_or(first))
}

/// What the pages say about the ward.
pub fn site(cfg: &Config) -> dashboards::Site {
    dashboards::Site {
        ward_name: cfg.ward.name.clone(),
        province: cfg.ward.province.clone(),
        units: cfg
            .ward
            .units
            .iter()
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        default_period: last_complete_month(cfg),
        max_age_hours: cfg.max_ages(),
        reports: cfg.reports.clone(),
        outbox: cfg.path(
            cfg.reports
                .as_ref()
                .map(|r| r.outbox.as_str())
                .unwrap_or("data/outbox"),
        ),
        auth: auth_settings(cfg),
        plans: metrics::load_plans(&cfg.path(&cfg.ward.plans)).unwrap_or_else(|e| {
            tracing::warn!("serving no tasks: {e}");
            Vec::new()
        }),
        province_wards: None,
    }
}

/// The site with the province's wards, their lakes opened: what the service shows.
pub fn site_with_province(cfg: &Config) -> Result<dashboards::Site> {
    let mut s = site(cfg);
    if let Some(p) = &cfg.province {
        s.province_wards = Some(dashboards::Province {
            name: p.name.clone(),
            wards: crate::province::ward_lakes(cfg)?,
        });
    }
    Ok(s)
}

/// Sign-in settings from `[server]`.
pub fn auth_settings(cfg: &Config) -> dashboards::auth::Settings {
    let mut s = dashboards::auth::Settings::new(cfg.path(&cfg.server.users));
    s.https = cfg.server.https;
    s.trusted_proxies = cfg.server.trusted_proxies.clone();
    s.lifetimes = dashboards::auth::Lifetimes {
        max: std::time::Duration::from_secs(cfg.server.session_hours.max(1) * 3600),
        idle: std::time::Duration::from_secs(cfg.server.idle_minutes.max(1) * 60),
    };
    s
}

/// The application state over the lake's current contents.
pub async fn state(cfg: &Config) -> Result<dashboards::AppState> {
    let lake = crate::pipeline::open_lake(cfg)?;
    let ev = crate::indicators::evaluator(cfg, &lake).await?;
    Ok(dashboards::AppState::new(
        site_with_province(cfg)?,
        lake,
        ev,
    ))
}
