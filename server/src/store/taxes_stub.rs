//! TEMPORARY STUB (not committed): lets wt-pay compile before wt-taxstore is merged.
#![allow(unused_variables)]
use super::taxes::*;
use super::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::taxes::*;
use super::jobs::NewJob;
#[async_trait]
impl TaxStore for super::SqliteStore {
    async fn tax_rules(&self) -> StoreResult<TaxRules> { unimplemented!() }
    async fn set_tax_rate(&self, actor: Actor, period: RatePeriod, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn set_tax_threshold(&self, actor: Actor, period: ThresholdPeriod, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn import_taxes(
        &self,
        actor: Actor,
        source: &str,
        batch: TaxBatch,
        errors: Vec<ImportRowError>,
        refused: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportRun> { unimplemented!() }
    async fn import_runs(&self, limit: u32) -> StoreResult<Vec<ImportRun>> { unimplemented!() }
    async fn taxpayer_for_official(
        &self,
        actor: Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>> { unimplemented!() }
    async fn search_taxpayers(&self, actor: Actor, query: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn issue_activation_code(
        &self,
        actor: Actor,
        taxpayer: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> { unimplemented!() }
    async fn issue_activation_codes(
        &self,
        actor: Actor,
        codes: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> { unimplemented!() }
    async fn revoke_activation_codes(&self, actor: Actor, taxpayer: &str, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn link_device(&self, device_id: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<LinkOutcome> { unimplemented!() }
    async fn unlink_device(&self, device_id: &str, taxpayer: Option<&str>, now: DateTime<Utc>) -> StoreResult<bool> { unimplemented!() }
    async fn device_taxpayers(&self, device_id: &str) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn device_liabilities(
        &self,
        device_id: &str,
        liability: Option<&str>,
    ) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>> { unimplemented!() }
    async fn create_payment(&self, payment: NewPayment, job: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>> { unimplemented!() }
    async fn payment(&self, id: &str) -> StoreResult<Option<PaymentRecord>> { unimplemented!() }
    async fn device_payment(&self, device_id: &str, id: &str) -> StoreResult<Option<PaymentRecord>> { unimplemented!() }
    async fn update_payment(&self, id: &str, update: PaymentUpdate, now: DateTime<Utc>) -> StoreResult<bool> { unimplemented!() }
    async fn payments(&self, filter: PaymentFilter) -> StoreResult<Vec<PaymentRecord>> { unimplemented!() }
    async fn stale_pending_payments(&self, before: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>> { unimplemented!() }
}
#[async_trait]
impl TaxStore for super::PostgresStore {
    async fn tax_rules(&self) -> StoreResult<TaxRules> { unimplemented!() }
    async fn set_tax_rate(&self, actor: Actor, period: RatePeriod, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn set_tax_threshold(&self, actor: Actor, period: ThresholdPeriod, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn import_taxes(
        &self,
        actor: Actor,
        source: &str,
        batch: TaxBatch,
        errors: Vec<ImportRowError>,
        refused: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportRun> { unimplemented!() }
    async fn import_runs(&self, limit: u32) -> StoreResult<Vec<ImportRun>> { unimplemented!() }
    async fn taxpayer_for_official(
        &self,
        actor: Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>> { unimplemented!() }
    async fn search_taxpayers(&self, actor: Actor, query: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn issue_activation_code(
        &self,
        actor: Actor,
        taxpayer: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> { unimplemented!() }
    async fn issue_activation_codes(
        &self,
        actor: Actor,
        codes: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> { unimplemented!() }
    async fn revoke_activation_codes(&self, actor: Actor, taxpayer: &str, now: DateTime<Utc>) -> StoreResult<()> { unimplemented!() }
    async fn link_device(&self, device_id: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<LinkOutcome> { unimplemented!() }
    async fn unlink_device(&self, device_id: &str, taxpayer: Option<&str>, now: DateTime<Utc>) -> StoreResult<bool> { unimplemented!() }
    async fn device_taxpayers(&self, device_id: &str) -> StoreResult<Vec<Taxpayer>> { unimplemented!() }
    async fn device_liabilities(
        &self,
        device_id: &str,
        liability: Option<&str>,
    ) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>> { unimplemented!() }
    async fn create_payment(&self, payment: NewPayment, job: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>> { unimplemented!() }
    async fn payment(&self, id: &str) -> StoreResult<Option<PaymentRecord>> { unimplemented!() }
    async fn device_payment(&self, device_id: &str, id: &str) -> StoreResult<Option<PaymentRecord>> { unimplemented!() }
    async fn update_payment(&self, id: &str, update: PaymentUpdate, now: DateTime<Utc>) -> StoreResult<bool> { unimplemented!() }
    async fn payments(&self, filter: PaymentFilter) -> StoreResult<Vec<PaymentRecord>> { unimplemented!() }
    async fn stale_pending_payments(&self, before: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>> { unimplemented!() }
}
