package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.HomeModel
import pl.mmieszkaniec.app.state.HomeState
import pl.mmieszkaniec.core.EventOccurrence

/** Home: alerts first, then upcoming events and the latest news. */
class HomeActivity : ScreenActivity() {
    private lateinit var model: HomeModel
    private lateinit var content: Section
    private lateinit var notifications: android.widget.Button
    private var resumedBefore = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.APP)
        model = holder { HomeModel(repo) }
        val title = heading(t(Texts.APP))
        val nav = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = android.view.View.generateViewId() }
        content = Section(this)
        // The inbox with its unread count, right under the title where it is seen.
        notifications = button(t(Texts.NOTIFICATIONS)) { open(NotificationsActivity::class.java) }
        nav.addView(button(t(Texts.REPORT_PROBLEM)) { open(ReportActivity::class.java) })
        nav.addView(button(t(Texts.MY_REPORTS)) { open(MyReportsActivity::class.java) })
        nav.addView(button(t(Texts.MAP)) { open(MapActivity::class.java) })
        nav.addView(button(t(Texts.TAXES)) { open(TaxesActivity::class.java) })
        nav.addView(button(t(Texts.BUDGET)) { open(BudgetActivity::class.java) })
        nav.addView(button(t(Texts.CONSULTATIONS)) { open(ConsultationsActivity::class.java) })
        nav.addView(button(t(Texts.NEWS)) { open(NewsActivity::class.java) })
        nav.addView(button(t(Texts.EVENTS)) { open(EventsActivity::class.java) })
        nav.addView(button(t(Texts.CALENDAR)) { open(CalendarActivity::class.java) })
        nav.addView(button(t(Texts.SEARCH)) { open(SearchActivity::class.java) })
        nav.addView(button(t(Texts.WASTE)) { open(WasteActivity::class.java) })
        nav.addView(button(t(Texts.SETTINGS)) { open(SettingsActivity::class.java) })
        column.addView(title)
        column.addView(notifications)
        column.addView(content.layout)
        column.addView(nav)
        // TalkBack reads the title and the inbox's count, then alerts and content, then navigation.
        notifications.accessibilityTraversalAfter = title.id
        content.layout.accessibilityTraversalAfter = notifications.id
        nav.accessibilityTraversalAfter = content.layout.id
        collect(model.state, ::show)
        // Once per visit, not per rotation.
        if (!restored) act {
            model.load()
            model.sync()
            Outbox.scheduleIfPending(this@HomeActivity, repo)
        }
    }

    /** Back from another screen (the inbox marked some read, a report was made): the count and lists again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) act { model.load() }
        resumedBefore = true
    }

    private fun show(state: HomeState) {
        // The badge: the core's unread count, "Powiadomienia (3)".
        val unread = state.content.valueOrNull?.unreadNotifications?.toInt() ?: 0
        notifications.setTextIfChanged(t(Texts.notificationsButton(unread)))
        notifications.contentDescription = t(Texts.notificationsButtonSpoken(unread))
        showContent(state)
    }

    private fun showContent(state: HomeState) = content.show {
        if (state.syncing) body(t(Texts.SYNCING), secondary = true, key = "syncing")
        state.syncError?.let { error(it, key = "sync") }
        load(state.content) { home ->
            home.alerts.forEach { a ->
                alert(a.title, a.body, key = "${a.id}") { open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, a.id) } }
            }
            heading(t(Texts.UPCOMING), key = "upcoming")
            if (home.upcoming.isEmpty()) body(t(Texts.NO_EVENTS_PLANNED), secondary = true)
            home.upcoming.forEach { eventRow(this@HomeActivity, it) }
            heading(t(Texts.NEWS), key = "news")
            home.latestNews.forEach { n ->
                val published = repo.core.datetimeText(n.publishedAtMs)
                row(n.title, published, "${n.title}, $published", key = "news-${n.id}") {
                    open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, n.id) }
                }
            }
        }
    }
}

/** An occurrence as a row (Home, Events, Calendar): title, when, where. */
fun Section.Builder.eventRow(screen: ScreenActivity, o: EventOccurrence) {
    val `when` = o.whenText
    val place = o.placeName?.let { ", $it" } ?: ""
    val cancelled = if (o.cancelled) screen.t(Texts.CANCELLED) else ""
    row(o.title + cancelled, `when` + place, "${o.title}$cancelled, $`when`$place", key = "event-${o.eventId}-${o.startsAtMs}") {
        screen.open(EventDetailActivity::class.java) { putExtra(EventDetailActivity.EXTRA_ID, o.eventId) }
    }
}
