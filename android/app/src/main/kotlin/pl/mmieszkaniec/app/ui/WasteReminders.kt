package pl.mmieszkaniec.app.ui

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.Repository

/**
 * Waste collection reminders as local alarms (issue 16). The core computes
 * the instants, titles and texts (`wasteReminders(from, to)`: the resident's
 * days before, hour and muted fractions); the app only schedules the next
 * 14 days' worth with AlarmManager and, when one goes off, posts what the
 * core wrote on the "Odbiór odpadów" channel. Rescheduled after every sync
 * (the schedule may have changed), an address added or removed, and a
 * change of the prefs. Inexact alarms (`setAndAllowWhileIdle`): a reminder
 * the evening before needs no exact-alarm permission.
 */
class WasteReminderScheduler(private val context: Context) {
    @Volatile var now: () -> Long = System::currentTimeMillis

    private val alarms: AlarmManager? get() = context.getSystemService(AlarmManager::class.java)
    private val prefs get() = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    suspend fun reschedule(repo: Repository) {
        try {
            val from = now()
            val due = repo.wasteReminders(from, from + WINDOW_MS)
            val alarms = alarms ?: return
            synchronized(this) {
                prefs.getStringSet(SCHEDULED, null).orEmpty().forEach { key -> alarms.cancel(pending(key, null, null)) }
                due.forEach { r -> alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, r.atMs, pending(r.key, r.title, r.body)) }
                prefs.edit().putStringSet(SCHEDULED, due.map { it.key }.toSet()).apply()
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // No gmina yet, no address: nothing to remind of.
            Log.w("mMieszkaniec", "waste reminders not scheduled: ${e.javaClass.simpleName}")
        }
    }

    private fun pending(key: String, title: String?, body: String?): PendingIntent {
        val intent = Intent(context, WasteReminderReceiver::class.java)
            .setAction(ACTION)
            .setData(android.net.Uri.parse("mm-waste:$key"))
            .putExtra(EXTRA_KEY, key)
        title?.let { intent.putExtra(EXTRA_TITLE, it) }
        body?.let { intent.putExtra(EXTRA_BODY, it) }
        return PendingIntent.getBroadcast(context, key.hashCode(), intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
    }

    companion object {
        const val WINDOW_MS = 14L * 24 * 60 * 60 * 1000
        const val ACTION = "pl.mmieszkaniec.app.WASTE_REMINDER"
        const val EXTRA_KEY = "key"
        const val EXTRA_TITLE = "title"
        const val EXTRA_BODY = "body"
        private const val PREFS = "waste-reminders"
        private const val SCHEDULED = "scheduled"
    }
}

/** A waste reminder's alarm went off: post the core's words (the key is the notification's tag). */
class WasteReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val app = context.applicationContext as MmApplication
        if (!app.notifier.permitted()) return
        val key = intent.getStringExtra(WasteReminderScheduler.EXTRA_KEY) ?: return
        val title = intent.getStringExtra(WasteReminderScheduler.EXTRA_TITLE) ?: return
        val body = intent.getStringExtra(WasteReminderScheduler.EXTRA_BODY).orEmpty()
        val open = PendingIntent.getActivity(
            context, key.hashCode(),
            Intent(context, WasteActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val n = Notification.Builder(context, MmApplication.CHANNEL_WASTE)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(title)
            .setContentText(body)
            .setStyle(Notification.BigTextStyle().bigText(body))
            .setCategory(Notification.CATEGORY_REMINDER)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        context.getSystemService(NotificationManager::class.java)?.notify(key, NOTIFICATION_ID, n)
    }

    companion object {
        const val NOTIFICATION_ID = 16
    }
}

/**
 * Alarms do not survive a reboot or an update of the app: the reminders
 * are set again from the core's list (which needs no network: the schedule
 * is on the phone). Exported because the system sends these broadcasts;
 * they are protected, so no other app can, and anything else is ignored.
 */
class WasteRemindersRestore : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action !in RESTORE_ON) return
        val app = context.applicationContext as MmApplication
        // Null when onReceive is called directly rather than through a broadcast.
        val pending: PendingResult? = goAsync()
        scope.launch {
            try {
                app.openCore()?.let { app.wasteReminders.reschedule(it) }
            } finally {
                pending?.finish()
            }
        }
    }

    companion object {
        val RESTORE_ON = setOf(Intent.ACTION_BOOT_COMPLETED, Intent.ACTION_MY_PACKAGE_REPLACED)
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    }
}
