package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.widget.LinearLayout
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.Time
import pl.mmieszkaniec.app.state.CalendarMonthModel
import pl.mmieszkaniec.app.state.CalendarMonthState
import java.time.LocalDate
import java.time.YearMonth
import java.time.format.DateTimeFormatter
import java.time.format.TextStyle

/** A month: the days that have events; tap a day for its events. */
class CalendarActivity : ScreenActivity() {
    private lateinit var model: CalendarMonthModel

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = CalendarMonthModel(repo, YearMonth.now(Time.ZONE))
        collect(model.state, ::show)
        scope.launch { model.show() }
    }

    private fun show(state: CalendarMonthState) {
        column.removeAllViews()
        val locale = resources.configuration.locales[0]
        val name = state.month.month.getDisplayName(TextStyle.FULL_STANDALONE, locale) + " " + state.month.year
        column.addView(heading(name))
        val nav = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
        nav.addView(button("‹", t("Poprzedni miesiąc", "Previous month")) { scope.launch { model.previous() } })
        nav.addView(button("›", t("Następny miesiąc", "Next month")) { scope.launch { model.next() } })
        column.addView(nav)
        render(state.days, column) {
            val counts = state.counts
            if (counts.isEmpty()) column.addView(body(t("W tym miesiącu nie ma wydarzeń.", "No events this month."), true))
            counts.toSortedMap().forEach { (day, count) ->
                val date = state.month.atDay(day)
                val label = date.format(DateTimeFormatter.ofPattern("EEEE, d MMMM", locale))
                val events = t("wydarzenia: $count", "events: $count")
                column.addView(row(label, events, "$label, $events") { scope.launch { model.select(date) } })
            }
        }
        state.selectedDay?.let { day: LocalDate ->
            column.addView(heading(day.format(DateTimeFormatter.ofPattern("d MMMM", locale)), level = 2))
            render(state.dayEvents, column) { list -> list.forEach { column.addView(eventRow(it)) } }
        }
    }
}
