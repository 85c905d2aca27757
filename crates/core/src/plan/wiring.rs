//! Backing services: default images and the environment that wires the app to them.

use super::Plan;
use crate::stacks::{provider, Service};
use std::collections::BTreeMap;

pub(super) fn service_image(s: Service) -> &'static str {
    match s {
        Service::Redis => "redis:7-alpine",
        Service::Postgres => "postgres:16-alpine",
        Service::Mysql => "mysql:8.4",
        Service::Mongodb => "mongo:7",
        Service::Rabbitmq => "rabbitmq:3-management-alpine",
        Service::Memcached => "memcached:1.6-alpine",
    }
}

/// Environment the app gets so it finds its services (development credentials), plus the
/// names the stack's frameworks read (the provider's `service_env`).
pub(super) fn wiring(plan: &Plan) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        env.entry(k.to_string()).or_insert_with(|| v.to_string());
    };
    set("PORT", &plan.port.to_string());
    let stack = provider(plan.stack);
    for s in &plan.services {
        match s.kind {
            Service::Redis => {
                set("REDIS_HOST", "redis");
                set("REDIS_PORT", "6379");
                set("REDIS_URL", "redis://redis:6379/0");
            }
            Service::Postgres => {
                set("DATABASE_URL", "postgres://app:app@postgres:5432/app");
                set("POSTGRES_HOST", "postgres");
                set("POSTGRES_PORT", "5432");
                set("POSTGRES_USER", "app");
                set("POSTGRES_PASSWORD", "app");
                set("POSTGRES_DB", "app");
            }
            Service::Mysql => {
                set("DATABASE_URL", "mysql://app:app@mysql:3306/app");
                set("MYSQL_HOST", "mysql");
                set("MYSQL_PORT", "3306");
                set("MYSQL_USER", "app");
                set("MYSQL_PASSWORD", "app");
                set("MYSQL_DATABASE", "app");
            }
            Service::Mongodb => {
                set("MONGO_URL", "mongodb://mongodb:27017/app");
                set("MONGODB_URI", "mongodb://mongodb:27017/app");
            }
            Service::Rabbitmq => {
                set("AMQP_URL", "amqp://guest:guest@rabbitmq:5672/");
                set("RABBITMQ_URL", "amqp://guest:guest@rabbitmq:5672/");
            }
            Service::Memcached => {
                set("MEMCACHED_HOST", "memcached");
                set("MEMCACHED_SERVERS", "memcached:11211");
            }
        }
        for (k, v) in stack.service_env(s.kind) {
            set(k, v);
        }
    }
    env
}
