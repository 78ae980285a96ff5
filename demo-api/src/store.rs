//! The bank's state: seeded accounts and booked transfers, in memory only.
//!
//! Every record carries fields the OpenAPI document does not declare (`internal_id`,
//! `password_hash`, `ledger_node`) so that the output filter has something to remove.

use serde_json::{json, Map, Value};

/// One account as the service stores it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub owner: String,
    pub balance: f64,
    pub currency: String,
    pub internal_id: u64,
    pub password_hash: String,
}

impl Account {
    /// The leaky JSON representation the service answers with.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "owner": self.owner,
            "balance": self.balance,
            "currency": self.currency,
            "internal_id": self.internal_id,
            "password_hash": self.password_hash,
        })
    }
}

/// Accounts and a transfer counter behind the service's one lock.
#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Account>,
    transfers_booked: u64,
}

impl Bank {
    /// The demo's seed: `a1` owned by alice, `a2` owned by bob, `a3` owned by carol.
    pub fn seeded() -> Self {
        let seed = [
            ("a1", "alice", 1250.5, "EUR"),
            ("a2", "bob", 310.0, "USD"),
            ("a3", "carol", 0.0, "GBP"),
        ];
        let accounts = seed
            .iter()
            .zip(1001u64..)
            .map(|((id, owner, balance, currency), internal_id)| Account {
                id: (*id).to_string(),
                owner: (*owner).to_string(),
                balance: *balance,
                currency: (*currency).to_string(),
                internal_id,
                password_hash: format!("$2b$12$demo.{owner}.not.a.real.hash"),
            })
            .collect();
        Bank {
            accounts,
            transfers_booked: 0,
        }
    }

    pub fn accounts(&self) -> Vec<Value> {
        self.accounts.iter().map(Account::to_json).collect()
    }

    pub fn account(&self, id: &str) -> Option<Value> {
        self.accounts
            .iter()
            .find(|account| account.id == id)
            .map(Account::to_json)
    }

    /// Removes the account; false when there was none.
    pub fn close(&mut self, id: &str) -> bool {
        let before = self.accounts.len();
        self.accounts.retain(|account| account.id != id);
        self.accounts.len() != before
    }

    /// Books whatever it is given: the service trusts the gateway to have validated the body.
    pub fn book_transfer(&mut self, request: &Map<String, Value>) -> Value {
        self.transfers_booked += 1;
        let mut transfer = request.clone();
        transfer.insert("id".into(), json!(format!("t{}", self.transfers_booked)));
        transfer.insert("status".into(), json!("booked"));
        transfer.insert("internal_id".into(), json!(9000 + self.transfers_booked));
        transfer.insert("ledger_node".into(), json!("ledger-eu-3.internal"));
        Value::Object(transfer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_accounts_leak_undeclared_fields() {
        let bank = Bank::seeded();
        let a1 = bank.account("a1").unwrap();
        assert_eq!(a1["owner"], "alice");
        assert!(a1.get("password_hash").is_some());
        assert!(a1.get("internal_id").is_some());
        assert_eq!(bank.account("a2").unwrap()["owner"], "bob");
    }

    #[test]
    fn closing_removes_the_account_once() {
        let mut bank = Bank::seeded();
        assert!(bank.close("a1"));
        assert!(!bank.close("a1"));
        assert!(bank.account("a1").is_none());
    }

    #[test]
    fn transfers_are_numbered_and_booked() {
        let mut bank = Bank::seeded();
        let request = json!({"from": "a1", "to": "a2", "amount": 5});
        let first = bank.book_transfer(request.as_object().unwrap());
        let second = bank.book_transfer(request.as_object().unwrap());
        assert_eq!(first["id"], "t1");
        assert_eq!(second["id"], "t2");
        assert_eq!(second["status"], "booked");
    }
}
