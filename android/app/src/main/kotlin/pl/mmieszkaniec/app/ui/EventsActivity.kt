package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.widget.HorizontalScrollView
import pl.mmieszkaniec.app.state.EventsModel
import pl.mmieszkaniec.app.state.EventsState

/** Upcoming events grouped by day, filterable by category. */
class EventsActivity : ScreenActivity() {
    private lateinit var model: EventsModel
    private lateinit var filters: Section
    private lateinit var list: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.EVENTS)
        model = holder { EventsModel(repo) }
        val title = heading(t(Texts.EVENTS))
        filters = Section(this).apply { layout.orientation = android.widget.LinearLayout.HORIZONTAL }
        list = Section(this)
        column.addView(title)
        column.addView(HorizontalScrollView(this).apply { addView(filters.layout) })
        column.addView(list.layout)
        filters.layout.accessibilityTraversalAfter = title.id
        list.layout.accessibilityTraversalAfter = filters.layout.id
        collect(model.state, ::show)
        if (!restored) act {
            model.loadCategories()
            model.load()
        }
    }

    private fun show(state: EventsState) {
        filters.show {
            if (state.categories.isNotEmpty()) {
                button(t(Texts.ALL_CATEGORIES), t(Texts.SHOW_ALL_CATEGORIES), key = "all", enabled = state.category != null) {
                    act { model.load(null) }
                }
            }
            state.categories.forEach { c ->
                val name = if (language == "en") c.nameEn else c.namePl
                button(name, t(Texts.onlyCategory(name)), key = c.id, enabled = state.category != c.id) { act { model.load(c.id) } }
            }
        }
        list.show {
            load(state.list) {
                if (it.isEmpty()) body(t(Texts.NO_EVENTS), secondary = true)
                state.byDay.forEach { (day, events) ->
                    heading(repo.core.dayText(day.toString()), key = day.toString())
                    events.forEach { o -> eventRow(this@EventsActivity, o) }
                }
            }
        }
    }
}

