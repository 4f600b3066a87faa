package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import pl.mmieszkaniec.app.state.NotificationTarget
import pl.mmieszkaniec.app.state.NotificationsModel
import pl.mmieszkaniec.app.state.NotificationsState
import pl.mmieszkaniec.core.Notification

/**
 * "Powiadomienia": the inbox of what the core raised (alerts, status
 * changes of my and followed reports), newest first, unread ones marked in
 * words. Opening one marks it read (Home's count drops) and opens what it
 * points to (the news item, the report) when it points somewhere.
 * A tap on a phone notification lands here.
 */
class NotificationsActivity : ScreenActivity() {
    private lateinit var model: NotificationsModel
    private lateinit var content: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.NOTIFICATIONS)
        model = holder { NotificationsModel(repo) }
        val title = heading(t(Texts.NOTIFICATIONS))
        content = Section(this)
        column.addView(title)
        column.addView(button(t(Texts.NOTIFICATION_SETTINGS)) { open(NotificationSettingsActivity::class.java) })
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(state: NotificationsState) = content.show {
        state.actionError?.let { error(it, key = "action") }
        load(state.list, key = "list") { list ->
            if (list.isEmpty()) body(t(Texts.NO_NOTIFICATIONS), secondary = true, key = "empty")
            list.forEach { n -> notificationRow(n) }
        }
    }

    private fun Section.Builder.notificationRow(n: Notification) {
        val date = repo.core.datetimeText(n.createdAtMs)
        val title = if (n.read) n.title else t(Texts.UNREAD_MARK) + n.title
        val spoken = (if (n.read) "" else t(Texts.UNREAD_SPOKEN)) + "${n.title}. ${n.body}. $date"
        row(title, "${n.body}\n$date", spoken, key = "${n.id}") {
            act { go(model.open(n)) }
        }
    }

    private fun go(target: NotificationTarget) = when (target) {
        is NotificationTarget.NewsItem -> open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, target.id) }
        is NotificationTarget.Report -> open(MyReportsActivity::class.java) {
            target.localId?.let { putExtra(MyReportsActivity.EXTRA_LOCAL_ID, it) }
        }
        is NotificationTarget.Event -> open(EventDetailActivity::class.java) { putExtra(EventDetailActivity.EXTRA_ID, target.id) }
        is NotificationTarget.Consultation -> open(SurveyActivity::class.java) {
            putExtra(SurveyActivity.EXTRA_CONSULTATION, target.id)
        }
        is NotificationTarget.Url -> {
            startOutside(Intent(Intent.ACTION_VIEW, Uri.parse(target.url)).addCategory(Intent.CATEGORY_BROWSABLE))
            Unit
        }
        NotificationTarget.Nowhere -> Unit
    }
}
