package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.CalendarContract
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.EventDetailModel
import pl.mmieszkaniec.app.state.EventDetailState
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.core.CalendarEntry

/** One event: when, where, accessibility, "add to calendar", share as .ics, subscribe. */
class EventDetailActivity : ScreenActivity() {
    private lateinit var model: EventDetailModel
    private lateinit var content: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.KIND_EVENT)
        val id = intent.getLongExtra(EXTRA_ID, -1)
        model = holder { EventDetailModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(state: EventDetailState) = content.show {
        load(state.detail) { d ->
            val e = d.event
            heading(e.title, level = 1, key = "title")
            if (e.cancelled) error(UserError("cancelled", Texts.EVENT_CANCELLED.pl, Texts.EVENT_CANCELLED.en), key = "cancelled")
            body(d.whenText, key = "when")
            e.placeName?.let { body(t(Texts.place(it)), key = "place") }
            (if (language == "en") d.categoryNameEn else d.categoryNamePl)?.let { body(it, secondary = true, key = "category") }
            e.organiser?.let { body(t(Texts.organiser(it)), secondary = true, key = "organiser") }
            e.accessibility?.let { body(t(Texts.accessibility(it)), key = "accessibility") }
            e.description.split("\n\n").forEach { body(it) }
            if (d.nextOccurrences.size > 1) {
                heading(t(Texts.NEXT_DATES), key = "next")
                d.nextOccurrences.forEach { o -> body(o.whenText, key = "at-${o.startsAtMs}") }
            }
            button(t(Texts.ADD_TO_CALENDAR), t(Texts.addToCalendarSpoken(e.title))) {
                act { model.calendarEntry().valueOrNull?.let(::addToCalendar) }
            }
            button(t(Texts.SHARE_ICS)) { act { shareIcs() } }
            button(t(Texts.SUBSCRIBE)) { subscribe() }
        }
    }

    /** The calendar app's own insert screen, filled from the core's entry: the resident confirms there. */
    private fun addToCalendar(c: CalendarEntry) {
        val intent = Intent(Intent.ACTION_INSERT).apply {
            data = CalendarContract.Events.CONTENT_URI
            putExtra(CalendarContract.EXTRA_EVENT_BEGIN_TIME, c.beginMs)
            putExtra(CalendarContract.EXTRA_EVENT_END_TIME, c.endMs)
            putExtra(CalendarContract.EXTRA_EVENT_ALL_DAY, c.allDay)
            putExtra(CalendarContract.Events.TITLE, c.title)
            putExtra(CalendarContract.Events.DESCRIPTION, c.description)
            c.location?.let { putExtra(CalendarContract.Events.EVENT_LOCATION, it) }
            c.rrule?.let { putExtra(CalendarContract.Events.RRULE, it) }
            putExtra(CalendarContract.Events.EVENT_TIMEZONE, c.timeZone)
        }
        showProblem(if (startOutside(intent)) null else Texts.NO_CALENDAR_APP)
    }

    /** The event as an .ics file (calendar and file apps import a file, not a text). */
    private suspend fun shareIcs() {
        model.loadIcs()
        val ics = (model.state.value.ics as? Load.Ready)?.value ?: return
        val uri = AppFiles.share(this, "wydarzenie-${model.eventId}.ics", ics)
        val send = AppFiles.grant(Intent(Intent.ACTION_SEND).setType("text/calendar").putExtra(Intent.EXTRA_STREAM, uri), uri, write = false)
        val chooser = AppFiles.grant(Intent.createChooser(send, t(Texts.SHARE_EVENT)), uri, write = false)
        showProblem(if (startOutside(chooser)) null else Texts.NO_APP)
    }

    /** The gmina's calendar feed in the phone's calendar app (`webcal://`), or the browser (`https://`). */
    private fun subscribe() {
        val feed = repo.core.calendarFeed(null)
        val ok = startOutside(Intent(Intent.ACTION_VIEW, Uri.parse(feed.subscribeUrl))) ||
            startOutside(Intent(Intent.ACTION_VIEW, Uri.parse(feed.url)))
        showProblem(if (ok) null else Texts.NO_APP)
    }

    companion object {
        const val EXTRA_ID = "pl.mmieszkaniec.event_id"
    }
}
