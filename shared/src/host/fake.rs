//! An in-memory [`Host`] for unit tests: headers, properties and a settable clock.

use super::{HeaderList, HeaderMap, Host, HostError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A local reply that a filter sent through the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentResponse {
    pub status: u32,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SentResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A host held in memory. Interior mutability mirrors the real host, which filters call through
/// `&self`.
#[derive(Debug, Default)]
pub struct FakeHost {
    pub request_headers: RefCell<Vec<(String, String)>>,
    pub response_headers: RefCell<Vec<(String, String)>>,
    pub properties: RefCell<BTreeMap<String, Vec<u8>>>,
    /// Every property path read, dot-joined, in order (what a decision cost in host calls).
    pub property_reads: RefCell<Vec<String>>,
    pub sent: RefCell<Option<SentResponse>>,
    pub unix_seconds: u64,
}

impl FakeHost {
    pub fn with_request_headers(headers: &[(&str, &str)]) -> Self {
        let host = FakeHost {
            unix_seconds: 1_800_000_000,
            ..FakeHost::default()
        };
        *host.request_headers.borrow_mut() = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect();
        host
    }

    pub fn with_property(self, path: &[&str], value: &[u8]) -> Self {
        self.properties
            .borrow_mut()
            .insert(path.join("."), value.to_vec());
        self
    }

    pub fn request_header(&self, name: &str) -> Option<String> {
        self.header(HeaderMap::Request, name).ok().flatten()
    }

    pub fn sent(&self) -> Option<SentResponse> {
        self.sent.borrow().clone()
    }

    fn map(&self, map: HeaderMap) -> &RefCell<Vec<(String, String)>> {
        match map {
            HeaderMap::Request => &self.request_headers,
            HeaderMap::Response => &self.response_headers,
        }
    }
}

impl Host for FakeHost {
    fn headers(&self, map: HeaderMap) -> Result<Vec<(String, String)>, HostError> {
        Ok(self.map(map).borrow().clone())
    }

    fn header_list(&self, map: HeaderMap) -> Result<HeaderList, HostError> {
        Ok(HeaderList::from_pairs(&self.map(map).borrow()))
    }

    fn header(&self, map: HeaderMap, name: &str) -> Result<Option<String>, HostError> {
        let values: Vec<String> = self
            .map(map)
            .borrow()
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect();
        Ok((!values.is_empty()).then(|| values.join(",")))
    }

    fn set_header(&self, map: HeaderMap, name: &str, value: Option<&str>) -> Result<(), HostError> {
        let mut headers = self.map(map).borrow_mut();
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            headers.push((name.to_ascii_lowercase(), value.to_string()));
        }
        Ok(())
    }

    fn add_header(&self, map: HeaderMap, name: &str, value: &str) -> Result<(), HostError> {
        self.map(map)
            .borrow_mut()
            .push((name.to_ascii_lowercase(), value.to_string()));
        Ok(())
    }

    fn property(&self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        let path = path.join(".");
        let value = self.properties.borrow().get(&path).cloned();
        self.property_reads.borrow_mut().push(path);
        Ok(value)
    }

    fn set_property(&self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        self.properties
            .borrow_mut()
            .insert(path.join("."), value.to_vec());
        Ok(())
    }

    fn send_response(
        &self,
        status: u32,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), HostError> {
        *self.sent.borrow_mut() = Some(SentResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        });
        Ok(())
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix_seconds)
    }
}
