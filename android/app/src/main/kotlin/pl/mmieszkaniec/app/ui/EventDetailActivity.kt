package pl.mmieszkaniec.app.ui

import android.content.ActivityNotFoundException
import android.content.Intent
import android.os.Bundle
import android.provider.CalendarContract
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.EventDetailModel
import pl.mmieszkaniec.app.state.EventDetailState
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.core.CalendarEntry

/** One event: when, where, accessibility, "add to calendar", share as .ics. */
class EventDetailActivity : ScreenActivity() {
    private lateinit var model: EventDetailModel

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = EventDetailModel(repo, intent.getLongExtra(EXTRA_ID, -1))
        collect(model.state, ::show)
        scope.launch { model.load() }
    }

    private fun show(state: EventDetailState) {
        column.removeAllViews()
        render(state.detail, column) { d ->
            val e = d.event
            column.addView(heading(e.title))
            if (e.cancelled) column.addView(errorText(pl.mmieszkaniec.app.UserError("cancelled", "Wydarzenie odwołane.", "Event cancelled.")))
            column.addView(body(d.whenText))
            e.placeName?.let { column.addView(body(t("Miejsce: $it", "Place: $it"))) }
            (if (language == "en") d.categoryNameEn else d.categoryNamePl)?.let { column.addView(body(it, secondary = true)) }
            e.organiser?.let { column.addView(body(t("Organizator: $it", "Organiser: $it"), secondary = true)) }
            e.accessibility?.let { column.addView(body(t("Dostępność: $it", "Accessibility: $it"))) }
            column.addView(body(e.description).apply { setPadding(0, dp(8), 0, dp(8)) })
            if (d.nextOccurrences.size > 1) {
                column.addView(heading(t("Kolejne terminy", "Next dates"), level = 2))
                d.nextOccurrences.forEach { o -> column.addView(body(o.whenText)) }
            }
            column.addView(button(t("Dodaj do kalendarza", "Add to calendar"), t("Dodaj „${e.title}” do kalendarza telefonu", "Add “${e.title}” to the phone's calendar")) {
                scope.launch { addToCalendar(repo.calendarEntry(e.id)) }
            })
            column.addView(button(t("Udostępnij jako plik .ics", "Share as an .ics file")) { scope.launch { shareIcs() } })
        }
    }

    /** The calendar app's own insert screen: the resident confirms there. */
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
        try {
            startActivity(intent)
        } catch (_: ActivityNotFoundException) {
            column.addView(errorText(pl.mmieszkaniec.app.UserError("no_calendar", "Brak aplikacji kalendarza.", "No calendar app.")))
        }
    }

    private suspend fun shareIcs() {
        model.loadIcs()
        val ics = (model.state.value.ics as? Load.Ready)?.value ?: return
        val send = Intent(Intent.ACTION_SEND).apply {
            type = "text/calendar"
            putExtra(Intent.EXTRA_TEXT, ics)
        }
        startActivity(Intent.createChooser(send, t("Udostępnij wydarzenie", "Share the event")))
    }

    companion object {
        const val EXTRA_ID = "pl.mmieszkaniec.event_id"
    }
}
