//! Alertmanager: the `alertmanager/` part of the rules directory rendered to an
//! `alertmanager.yml` (config), and Alertmanager's routing (route) and inhibition
//! (inhibit) semantics.

pub mod config;
pub mod inhibit;
pub mod route;
