//! API keys and signatures in the failed-authentication throttle (NIST AC-7): a locked-out
//! client address or claimed key id is refused before any key is checked, a failed attempt
//! counts against both, and a success clears the key id's count. The claimed principal of an
//! API key is `api_key\0<id>`, of a signature `hmac\0<keyId>`; neither can collide with a
//! token's `<issuer>\0<subject>`, whose issuer is a URL. A body that does not match its
//! digest is not counted: the signature over it held, so the sender holds the secret and is
//! not guessing.

use crate::decide::Authenticator;
use crate::refusal::Refusal;
use crate::throttle::{Subject, Throttle};

impl Authenticator<'_> {
    fn key_throttle(&self) -> Option<Throttle<'_>> {
        let config = self.config.throttle.as_ref()?;
        Some(Throttle::over(self.shared, config))
    }

    /// The lockout refusal of `subject`, when it is locked out at `now` (Unix seconds).
    pub(super) fn key_lockout(&self, subject: Option<&Subject<'_>>, now: u64) -> Option<Refusal> {
        let throttle = self.key_throttle()?;
        let retry_after_seconds = throttle
            .retry_after(subject?, now.saturating_mul(1000))
            .ok()??;
        Some(Refusal::Throttled {
            retry_after_seconds,
        })
    }

    /// Counts one failed attempt against each subject.
    pub(super) fn count_key_failure(&self, subjects: &[Option<Subject<'_>>], now: u64) {
        let Some(throttle) = self.key_throttle() else {
            return;
        };
        for subject in subjects.iter().flatten() {
            // Limitation: a shared-data failure leaves the attempt uncounted, as for tokens;
            // refusing every request instead would be worse.
            let _ = throttle.failed(subject, now.saturating_mul(1000));
        }
    }

    /// Clears the count of the key id that just authenticated.
    pub(super) fn forgive_key(&self, claimed: Option<&Subject<'_>>, now: u64) {
        if let (Some(throttle), Some(claimed)) = (self.key_throttle(), claimed) {
            let _ = throttle.succeeded(claimed, now.saturating_mul(1000));
        }
    }
}
