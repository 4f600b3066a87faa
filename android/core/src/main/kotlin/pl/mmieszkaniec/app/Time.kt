package pl.mmieszkaniec.app

import pl.mmieszkaniec.core.CoreStatus
import pl.mmieszkaniec.core.Event
import pl.mmieszkaniec.core.EventOccurrence
import pl.mmieszkaniec.core.News
import pl.mmieszkaniec.core.Notification
import pl.mmieszkaniec.core.Occurrence
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.ZonedDateTime

/**
 * Instants cross the boundary as epoch milliseconds (UTC), days as
 * `YYYY-MM-DD`. These turn them into java.time for the platform's own
 * widgets (the month grid, the calendar provider). Every text (a date, a
 * span, "cały dzień") comes from the core: `whenText`, `datetimeText`.
 */
object Time {
    val ZONE: ZoneId = ZoneId.of("Europe/Warsaw")

    fun instant(ms: Long): Instant = Instant.ofEpochMilli(ms)
    fun local(ms: Long): ZonedDateTime = instant(ms).atZone(ZONE)
}

val News.publishedAt: Instant get() = Time.instant(publishedAtMs)
val News.expiresAt: Instant? get() = expiresAtMs?.let(Time::instant)
val Event.startsAt: Instant get() = Time.instant(startsAtMs)
val Event.endsAt: Instant get() = Time.instant(endsAtMs)
val EventOccurrence.startsAt: Instant get() = Time.instant(startsAtMs)
val EventOccurrence.endsAt: Instant get() = Time.instant(endsAtMs)
/** The Warsaw day the occurrence starts on (the core's `day`, as a LocalDate). */
val EventOccurrence.startDay: LocalDate get() = LocalDate.parse(day)
val Occurrence.startsAt: Instant get() = Time.instant(startsAtMs)
val Notification.createdAt: Instant get() = Time.instant(createdAtMs)
val CoreStatus.lastSyncAt: Instant? get() = lastSyncAtMs?.let(Time::instant)
