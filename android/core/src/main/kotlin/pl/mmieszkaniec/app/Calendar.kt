package pl.mmieszkaniec.app

import pl.mmieszkaniec.core.EventDetail
import java.time.ZoneOffset

/**
 * What the phone's calendar needs to add an event (Android:
 * `CalendarContract` insert Intent extras; iOS: `EKEvent`). Plain data,
 * so the mapping is tested on the JVM.
 */
data class CalendarInsert(
    val title: String,
    val description: String,
    val location: String?,
    val beginMs: Long,
    val endMs: Long,
    val allDay: Boolean,
    /** RFC 5545 RRULE when the event repeats. */
    val rrule: String?,
) {
    companion object {
        /**
         * The core gives all-day events as Warsaw midnights; Android's
         * calendar provider wants all-day times at UTC midnight of the same
         * dates (CalendarContract.Events: "allDay … in UTC").
         */
        fun from(detail: EventDetail): CalendarInsert {
            val e = detail.event
            val (begin, end) = if (e.allDay) {
                val first = Time.local(e.startsAtMs).toLocalDate()
                val after = Time.local(e.endsAtMs).toLocalDate()
                first.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() to
                    after.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
            } else {
                e.startsAtMs to e.endsAtMs
            }
            return CalendarInsert(e.title, e.description, e.placeName, begin, end, e.allDay, e.rrule)
        }
    }
}
