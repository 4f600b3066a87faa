package pl.mmieszkaniec.app.ui

import android.graphics.Typeface
import android.os.Bundle
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.widget.GridLayout
import android.widget.LinearLayout
import android.widget.TextView
import pl.mmieszkaniec.app.Time
import pl.mmieszkaniec.app.state.CalendarMonthModel
import pl.mmieszkaniec.app.state.CalendarMonthState
import pl.mmieszkaniec.core.DayCount
import java.time.LocalDate
import java.time.YearMonth

/**
 * A month: a grid of its days (Monday first) with the days that have events
 * marked, the same days as a list (the way TalkBack users go through them),
 * and a tapped day's events. Every text (the month's name, a day, "3
 * wydarzenia") is the core's.
 */
class CalendarActivity : ScreenActivity() {
    private lateinit var model: CalendarMonthModel
    private lateinit var content: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.CALENDAR)
        model = holder { CalendarMonthModel(repo, YearMonth.now(Time.ZONE)) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.show() }
    }

    private fun show(state: CalendarMonthState) = content.show {
        val month = state.month
        val view = state.days.valueOrNull
        heading(view?.titleText ?: month.toString(), level = 1, key = "title")
        view("nav", "nav", {
            LinearLayout(this@CalendarActivity).apply {
                orientation = LinearLayout.HORIZONTAL
                addView(this@CalendarActivity.button("‹", t(Texts.PREVIOUS_MONTH)) { act { model.previous() } })
                addView(this@CalendarActivity.button("›", t(Texts.NEXT_MONTH)) { act { model.next() } })
            }
        })
        load(state.days, key = "days") { m ->
            view("grid", "$month-${m.days.hashCode()}", { grid(month, m.days) }) { g -> markSelected(g, month, state.selectedDay) }
            if (m.days.isEmpty()) body(t(Texts.NO_EVENTS_THIS_MONTH), secondary = true)
            else heading(t(Texts.DAYS_WITH_EVENTS), key = "days")
            m.days.forEach { d ->
                row(d.text, "", d.text, key = "day-${d.day}") {
                    act { model.select(month.atDay(d.day.toInt())) }
                }
            }
        }
        state.selectedDay?.let { day: LocalDate ->
            heading(repo.core.dayText(day.toString()), key = "selected")
            load(state.dayEvents, key = "selected") { list -> list.forEach { eventRow(this@CalendarActivity, it) } }
        }
    }

    /** Seven columns, Monday first; a day with events is tappable and says so. */
    private fun grid(month: YearMonth, days: List<DayCount>): GridLayout = GridLayout(this).apply {
        columnCount = 7
        id = View.generateViewId()
        val byDay = days.associateBy { it.day.toInt() }
        val cell = (resources.displayMetrics.widthPixels - dp(32)) / 7
        t(Texts.WEEKDAYS).split(' ').forEach { name ->
            addView(cellView(name, cell).apply {
                typeface = Typeface.DEFAULT_BOLD
                importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
            })
        }
        repeat(month.atDay(1).dayOfWeek.value - 1) { addView(cellView("", cell)) }
        for (d in 1..month.lengthOfMonth()) {
            val events = byDay[d]
            addView(cellView(if (events != null) "$d\n•" else "$d", cell).apply {
                tag = d
                if (events != null) {
                    setTextColor(Palette.ACCENT)
                    typeface = Typeface.DEFAULT_BOLD
                    contentDescription = events.text
                    isClickable = true
                    isFocusable = true
                    setOnClickListener { act { model.select(month.atDay(d)) } }
                } else {
                    // The list below is how TalkBack users pick a day; empty days stay out of its way.
                    importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
                }
            })
        }
    }

    private fun cellView(text: String, size: Int) = TextView(this).apply {
        this.text = text
        gravity = Gravity.CENTER
        setTextColor(Palette.TEXT)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 15f)
        minimumHeight = dp(48)
        layoutParams = GridLayout.LayoutParams().apply { width = size; height = GridLayout.LayoutParams.WRAP_CONTENT }
    }

    private fun markSelected(grid: GridLayout, month: YearMonth, selected: LocalDate?) {
        for (i in 0 until grid.childCount) {
            val v = grid.getChildAt(i) as TextView
            val day = v.tag as? Int ?: continue
            val on = selected == month.atDay(day)
            v.setBackgroundColor(if (on) Palette.ACCENT else Palette.BACKGROUND)
            v.setTextColor(if (on) Palette.BACKGROUND else if (v.isClickable) Palette.ACCENT else Palette.TEXT)
            v.isSelected = on
        }
    }
}
