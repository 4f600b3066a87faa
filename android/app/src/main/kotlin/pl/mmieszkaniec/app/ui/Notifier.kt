package pl.mmieszkaniec.app.ui

import android.Manifest
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import pl.mmieszkaniec.app.state.NotificationsModel
import pl.mmieszkaniec.core.CoreListener
import pl.mmieszkaniec.core.SyncProgress
import pl.mmieszkaniec.core.Notification as CoreNotification

/**
 * The core's new notifications as the phone's own: the core calls
 * [onNotification] when a sync brings one (an alert arrived, a report
 * changed status), once per notification, on the syncing thread
 * (`NotificationManager.notify` may be called from any thread). Every sync
 * of the app goes through it (`Repository`'s sync listener), whichever
 * screen or the outbox job ran it.
 *
 * Title and text are the core's; a tap opens the inbox
 * ([NotificationsActivity]), where reading it marks it read.
 */
class Notifier(private val context: Context) : CoreListener {
    private val manager: NotificationManager? get() = context.getSystemService(NotificationManager::class.java)

    override fun onSyncProgress(progress: SyncProgress) = Unit

    override fun onNotification(notification: CoreNotification) = post(notification)

    /**
     * Whether the resident lets the app notify: on Android 13+ the run-time
     * POST_NOTIFICATIONS grant, and on every version the app's switch in
     * the system settings. Not permitted: nothing is posted; the inbox and
     * Home's count still show it.
     */
    fun permitted(): Boolean {
        if (Build.VERSION.SDK_INT >= 33 &&
            context.checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) return false
        return manager?.areNotificationsEnabled() == true
    }

    fun post(n: CoreNotification) {
        if (!permitted()) return
        val manager = manager ?: return
        val alert = n.urgent
        val open = PendingIntent.getActivity(
            context,
            n.id.toInt(),
            Intent(context, NotificationsActivity::class.java)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        // The core says what is urgent ("Alerty", high importance); a report's status
        // change has its own channel; the rest of the feed goes on the general one.
        val channel = when {
            alert -> MmApplication.CHANNEL_ALERTS
            n.link is pl.mmieszkaniec.core.NotificationLink.Report -> MmApplication.CHANNEL_REPORTS
            else -> MmApplication.CHANNEL_GENERAL
        }
        val built = Notification.Builder(context, channel)
            // Framework icons: the app ships no drawables of its own yet (no Gradle resource pipeline in CI).
            .setSmallIcon(if (alert) android.R.drawable.stat_sys_warning else android.R.drawable.stat_notify_more)
            .setContentTitle(n.title)
            .setContentText(n.body)
            .setStyle(Notification.BigTextStyle().bigText(n.body))
            .setWhen(n.createdAtMs)
            .setShowWhen(true)
            .setCategory(if (alert) Notification.CATEGORY_EVENT else Notification.CATEGORY_STATUS)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        manager.notify(TAG, n.id.toInt(), built)
    }

    companion object {
        /** With the core's id: one phone notification per core notification. */
        const val TAG = "mm-core"
    }
}
