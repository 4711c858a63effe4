//! Alertmanager: the `alertmanager/` part of the rules directory rendered to an
//! `alertmanager.yml` (config), and Alertmanager's routing semantics (route).

pub mod config;
pub mod route;
