package pl.mmieszkaniec.app.ui

import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.os.Build
import android.util.Log
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.state.warsawToday
import pl.mmieszkaniec.core.TaxReminder
import java.time.LocalDate

/**
 * Due-date reminders of local taxes as local notifications (issue 14). The
 * core says which instalments fall due within the resident's days as of
 * today (`taxReminders`) and words them (title and body, no amount: a
 * notification shows on a locked screen); the app only posts what it lists.
 * Each is posted once, the first time a sync, a refresh or the outbox job
 * sees it (the core has no "posted" flag for reminders, so the app keeps
 * the ones it posted, by liability and effective due date), and withdrawn
 * once the core no longer lists it (paid, past, unlinked). A tap opens
 * that liability ([TaxDetailActivity]). As the iOS shell's `TaxReminders`.
 *
 * [postDue] runs after every sync, tax refresh, link, unlink and change of
 * the reminder days ([Repository]'s `afterTaxesChange`, wired in
 * [MmApplication]), so the figures are today's, never a stale schedule's.
 */
class TaxReminderNotifier(private val context: Context, private val notifier: Notifier) {
    /** The day the core is asked for: today in Warsaw (a test pins it). */
    @Volatile var today: () -> LocalDate = ::warsawToday

    private val manager: NotificationManager? get() = context.getSystemService(NotificationManager::class.java)
    private val prefs get() = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    /** A sync and a refresh at once: reading and writing the tags posted is one step, so nothing is posted twice. */
    private val lock = Mutex()

    suspend fun postDue(repo: Repository) {
        try {
            lock.withLock { postDueLocked(repo.taxReminders(today())) }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // No gmina chosen yet, the store unreadable: nothing to remind of now.
            // The class only: a message may name a liability (the tax system's id).
            Log.w("mMieszkaniec", "tax reminders not posted: ${e.javaClass.simpleName}")
        }
    }

    private fun postDueLocked(due: List<TaxReminder>) {
        val tags = due.map(::tagOf)
        val posted = prefs.getStringSet(POSTED, null).orEmpty()
        val manager = manager
        // Gone from the core's list (paid, past the date, unlinked): its notification goes too.
        posted.filter { it !in tags }.forEach { manager?.cancel(it, NOTIFICATION_ID) }
        // Not allowed (no grant, the app's or this channel's switch off): Android
        // would drop them quietly; remember none, so they come once allowed.
        if (manager == null || !permitted(manager)) {
            prefs.edit().putStringSet(POSTED, emptySet()).apply()
            return
        }
        due.zip(tags).forEach { (r, tag) -> if (tag !in posted) post(manager, r, tag) }
        prefs.edit().putStringSet(POSTED, tags.toSet()).apply()
    }

    private fun permitted(manager: NotificationManager): Boolean =
        notifier.permitted() && manager.getNotificationChannel(MmApplication.CHANNEL_TAXES)?.importance != NotificationManager.IMPORTANCE_NONE

    private fun post(manager: NotificationManager, r: TaxReminder, tag: String) {
        val intent = Intent(context, TaxDetailActivity::class.java)
            .putExtra(TaxDetailActivity.EXTRA_ID, r.liability)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP)
        // Extras do not tell PendingIntents apart: the identifier does (API 29+), the request code before.
        if (Build.VERSION.SDK_INT >= 29) intent.identifier = tag
        val open = PendingIntent.getActivity(
            context,
            tag.hashCode(),
            intent,
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val built = Notification.Builder(context, MmApplication.CHANNEL_TAXES)
            // A framework icon: the app ships no drawables of its own yet (no Gradle resource pipeline in CI).
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(r.title)
            .setContentText(r.body)
            .setStyle(Notification.BigTextStyle().bigText(r.body))
            .setShowWhen(true)
            .setCategory(Notification.CATEGORY_REMINDER)
            // Personal data: on a locked screen only that there is one, not what it says.
            .setVisibility(Notification.VISIBILITY_PRIVATE)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        manager.notify(tag, NOTIFICATION_ID, built)
    }

    companion object {
        /** One notification per instalment: the tag names it (liability and effective due date), the id is the same. */
        const val NOTIFICATION_ID = 14
        const val TAG_PREFIX = "tax-reminder:"
        private const val PREFS = "tax-reminders"
        private const val POSTED = "posted"

        /** Which instalment a reminder is about: its liability and the date it is due by. */
        fun tagOf(r: TaxReminder): String = "$TAG_PREFIX${r.liability}:${r.effectiveDueDate}"
    }
}
