//! The two times of every read: `at` (business date, default today) and
//! `as_of` (knowledge instant, default now). [`Moment`] resolves them, and
//! [`Moment::with_models`] runs a read against the read models as they were
//! known at `as_of`: the live ones, or a rebuild of the log up to that
//! instant's position.

use accord_domain::BusinessDate;
use accord_engine::Engine;
use accord_projections::ReadModels;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::extract::Params;

/// When a read looks at the world.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    /// The business date: facts effective on or before it.
    pub at: BusinessDate,
    /// The knowledge instant, if one was asked for.
    pub as_of: Option<OffsetDateTime>,
}

/// Today's date in the business time zone (`--timezone`; UTC without
/// one), the default `at`.
pub fn today() -> BusinessDate {
    accord_engine::clock::today()
}

impl Moment {
    /// Reads `at` and `as_of` from the query.
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(Self {
            at: params.date("at")?.unwrap_or_else(today),
            as_of: params.instant("as_of")?,
        })
    }

    /// `as_of` as RFC 3339, for echoing in answers.
    pub fn as_of_text(&self) -> Option<String> {
        self.as_of.and_then(|t| t.format(&Rfc3339).ok())
    }

    /// The last log position known at `as_of` (`None`: everything).
    pub fn cut(&self, engine: &Engine) -> Result<Option<u64>, ApiError> {
        match self.as_of {
            None => Ok(None),
            Some(instant) => Ok(Some(engine.log().position_at(instant)?)),
        }
    }

    /// Runs `read` against the read models known at `as_of`, on a blocking
    /// thread when the log must be replayed.
    pub async fn with_models<T, F>(self, engine: &Engine, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadModels, BusinessDate) -> T + Send + 'static,
    {
        if self.as_of.is_none() {
            return Ok(read(&engine.read(), self.at));
        }
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || {
            let cut = self.cut(&engine)?.unwrap_or(u64::MAX);
            {
                // One guard for the check and the read, so no later batch slips in.
                let live = engine.read();
                if cut >= live.position() {
                    return Ok(read(&live, self.at));
                }
            }
            let models = engine.read_as_of(cut)?;
            Ok(read(&models, self.at))
        })
        .await
        .map_err(ApiError::internal)?
    }
}
