//! [`Host`] over proxy-wasm's fallible host calls (never the convenience methods that panic).

use super::{HeaderMap, Host, HostError};
use proxy_wasm::hostcalls;
use proxy_wasm::types::{MapType, Status};
use std::time::SystemTime;

/// The running Envoy, for the stream whose callback is executing.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProxyHost;

fn map_type(map: HeaderMap) -> MapType {
    match map {
        HeaderMap::Request => MapType::HttpRequestHeaders,
        HeaderMap::Response => MapType::HttpResponseHeaders,
    }
}

fn failed(call: &'static str) -> impl Fn(Status) -> HostError {
    move |status| HostError {
        call,
        status: format!("{status:?}"),
    }
}

impl Host for ProxyHost {
    fn headers(&self, map: HeaderMap) -> Result<Vec<(String, String)>, HostError> {
        hostcalls::get_map(map_type(map)).map_err(failed("get_map"))
    }

    fn header(&self, map: HeaderMap, name: &str) -> Result<Option<String>, HostError> {
        hostcalls::get_map_value(map_type(map), name).map_err(failed("get_map_value"))
    }

    fn set_header(&self, map: HeaderMap, name: &str, value: Option<&str>) -> Result<(), HostError> {
        hostcalls::set_map_value(map_type(map), name, value).map_err(failed("set_map_value"))
    }

    fn add_header(&self, map: HeaderMap, name: &str, value: &str) -> Result<(), HostError> {
        hostcalls::add_map_value(map_type(map), name, value).map_err(failed("add_map_value"))
    }

    fn property(&self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        match hostcalls::get_property(path.to_vec()) {
            Ok(value) => Ok(value),
            Err(Status::NotFound) => Ok(None),
            Err(status) => Err(failed("get_property")(status)),
        }
    }

    fn set_property(&self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        hostcalls::set_property(path.to_vec(), Some(value)).map_err(failed("set_property"))
    }

    fn send_response(
        &self,
        status: u32,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), HostError> {
        hostcalls::send_http_response(status, headers.to_vec(), Some(body))
            .map_err(failed("send_http_response"))
    }

    fn now(&self) -> SystemTime {
        hostcalls::get_current_time().unwrap_or_else(|_| SystemTime::now())
    }
}
