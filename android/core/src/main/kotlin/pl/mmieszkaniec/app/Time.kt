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
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Locale

/**
 * Instants cross the boundary as epoch milliseconds (UTC), days as
 * `YYYY-MM-DD`. These turn them into java.time; display is in the gmina's
 * zone, Europe/Warsaw, whatever the phone's zone is.
 */
object Time {
    val ZONE: ZoneId = ZoneId.of("Europe/Warsaw")
    val POLISH: Locale = Locale.forLanguageTag("pl-PL")

    fun instant(ms: Long): Instant = Instant.ofEpochMilli(ms)
    fun local(ms: Long): ZonedDateTime = instant(ms).atZone(ZONE)

    /** "25 lis 2025, 18:00", or the date alone for all-day events. */
    fun format(ms: Long, allDay: Boolean = false, locale: Locale = POLISH): String {
        val style = if (allDay) DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM)
        else DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT)
        return local(ms).format(style.withLocale(locale))
    }

    /**
     * "25 lis 2025, 18:00 – 20:00". All-day ends are exclusive midnights
     * (RFC 5545), so the last day shown is the one before.
     */
    fun range(startMs: Long, endMs: Long, allDay: Boolean, locale: Locale = POLISH): String {
        val start = local(startMs)
        val end = local(endMs)
        return if (allDay) {
            val last = end.toLocalDate().minusDays(1)
            val date = DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale)
            if (!last.isAfter(start.toLocalDate())) start.format(date) else "${start.format(date)} – ${last.format(date)}"
        } else if (start.toLocalDate() == end.toLocalDate()) {
            "${format(startMs, false, locale)} – ${end.format(DateTimeFormatter.ofPattern("HH:mm"))}"
        } else {
            "${format(startMs, false, locale)} – ${format(endMs, false, locale)}"
        }
    }
}

val News.publishedAt: Instant get() = Time.instant(publishedAtMs)
val News.expiresAt: Instant? get() = expiresAtMs?.let(Time::instant)
val Event.startsAt: Instant get() = Time.instant(startsAtMs)
val Event.endsAt: Instant get() = Time.instant(endsAtMs)
val EventOccurrence.startsAt: Instant get() = Time.instant(startsAtMs)
val EventOccurrence.endsAt: Instant get() = Time.instant(endsAtMs)
/** The Warsaw day the occurrence starts on. */
val EventOccurrence.day: LocalDate get() = Time.local(startsAtMs).toLocalDate()
val Occurrence.startsAt: Instant get() = Time.instant(startsAtMs)
val Notification.createdAt: Instant get() = Time.instant(createdAtMs)
val CoreStatus.lastSyncAt: Instant? get() = lastSyncAtMs?.let(Time::instant)
