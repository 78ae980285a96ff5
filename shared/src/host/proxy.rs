//! [`Host`] over the non-panicking ABI wrappers in [`crate::abi`].

use super::{HeaderList, HeaderMap, Host, HostError};
use crate::abi::{self, Status};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The running Envoy, for the stream whose callback is executing.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProxyHost;

fn map_number(map: HeaderMap) -> u32 {
    match map {
        HeaderMap::Request => abi::REQUEST_HEADERS,
        HeaderMap::Response => abi::RESPONSE_HEADERS,
    }
}

fn failed(call: &'static str) -> impl Fn(Status) -> HostError {
    move |status| HostError {
        call,
        status: status.to_string(),
    }
}

impl Host for ProxyHost {
    fn header_list(&self, map: HeaderMap) -> Result<HeaderList, HostError> {
        abi::header_list(map_number(map)).map_err(failed("get_header_map_pairs"))
    }

    fn header(&self, map: HeaderMap, name: &str) -> Result<Option<String>, HostError> {
        abi::header(map_number(map), name).map_err(failed("get_header_map_value"))
    }

    fn set_header(&self, map: HeaderMap, name: &str, value: Option<&str>) -> Result<(), HostError> {
        match value {
            Some(value) => abi::replace_header(map_number(map), name, value)
                .map_err(failed("replace_header_map_value")),
            None => {
                abi::remove_header(map_number(map), name).map_err(failed("remove_header_map_value"))
            }
        }
    }

    fn add_header(&self, map: HeaderMap, name: &str, value: &str) -> Result<(), HostError> {
        abi::add_header(map_number(map), name, value).map_err(failed("add_header_map_value"))
    }

    fn property(&self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        abi::property(path).map_err(failed("get_property"))
    }

    fn set_property(&self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        abi::set_property(path, value).map_err(failed("set_property"))
    }

    fn send_response(
        &self,
        status: u32,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), HostError> {
        abi::send_local_response(status, headers, body).map_err(failed("send_local_response"))
    }

    fn now(&self) -> SystemTime {
        match abi::current_time_nanos() {
            Ok(nanos) => UNIX_EPOCH + Duration::from_nanos(nanos),
            Err(_) => SystemTime::now(),
        }
    }
}
