//! The taxes feature's tables, as `store/sqlite/taxes.rs`. Not yet written:
//! every call fails as a backend error until it is (issue 14, step 2).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::taxes::{AppPaymentSummary, LiabilityRecord, RatePeriod, TaxRules, Taxpayer, ThresholdPeriod};

use super::PostgresStore;
use crate::store::jobs::NewJob;
use crate::store::taxes::{
    ImportRowError, ImportRun, LinkOutcome, NewPayment, PaymentFilter, PaymentRecord, PaymentUpdate, TaxBatch, TaxStore,
};
use crate::store::{Actor, StoreError, StoreResult};

fn todo<T>() -> StoreResult<T> {
    Err(StoreError::backend("taxes are not yet stored on PostgreSQL"))
}

#[async_trait]
impl TaxStore for PostgresStore {
    async fn tax_rules(&self) -> StoreResult<TaxRules> {
        todo()
    }
    async fn set_tax_rate(&self, _: Actor, _: RatePeriod, _: DateTime<Utc>) -> StoreResult<()> {
        todo()
    }
    async fn set_tax_threshold(&self, _: Actor, _: ThresholdPeriod, _: DateTime<Utc>) -> StoreResult<()> {
        todo()
    }
    async fn import_taxes(
        &self,
        _: Actor,
        _: &str,
        _: TaxBatch,
        _: Vec<ImportRowError>,
        _: bool,
        _: DateTime<Utc>,
    ) -> StoreResult<ImportRun> {
        todo()
    }
    async fn import_runs(&self, _: u32) -> StoreResult<Vec<ImportRun>> {
        todo()
    }
    async fn taxpayer_for_official(
        &self,
        _: Actor,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>> {
        todo()
    }
    async fn search_taxpayers(&self, _: Actor, _: &str, _: u32, _: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>> {
        todo()
    }
    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>> {
        todo()
    }
    async fn issue_activation_code(&self, _: Actor, _: &str, _: &str, _: DateTime<Utc>, _: DateTime<Utc>) -> StoreResult<()> {
        todo()
    }
    async fn issue_activation_codes(
        &self,
        _: Actor,
        _: Vec<(String, String)>,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> StoreResult<u64> {
        todo()
    }
    async fn revoke_activation_codes(&self, _: Actor, _: &str, _: DateTime<Utc>) -> StoreResult<()> {
        todo()
    }
    async fn link_device(&self, _: &str, _: &str, _: DateTime<Utc>) -> StoreResult<LinkOutcome> {
        todo()
    }
    async fn unlink_device(&self, _: &str, _: Option<&str>, _: DateTime<Utc>) -> StoreResult<bool> {
        todo()
    }
    async fn device_taxpayers(&self, _: &str) -> StoreResult<Vec<Taxpayer>> {
        todo()
    }
    async fn device_liabilities(&self, _: &str, _: Option<&str>) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>> {
        todo()
    }
    async fn create_payment(&self, _: NewPayment, _: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>> {
        todo()
    }
    async fn payment(&self, _: &str) -> StoreResult<Option<PaymentRecord>> {
        todo()
    }
    async fn device_payment(&self, _: &str, _: &str) -> StoreResult<Option<PaymentRecord>> {
        todo()
    }
    async fn update_payment(&self, _: &str, _: PaymentUpdate, _: DateTime<Utc>) -> StoreResult<bool> {
        todo()
    }
    async fn payments(&self, _: PaymentFilter) -> StoreResult<Vec<PaymentRecord>> {
        todo()
    }
    async fn stale_pending_payments(&self, _: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>> {
        todo()
    }
}
