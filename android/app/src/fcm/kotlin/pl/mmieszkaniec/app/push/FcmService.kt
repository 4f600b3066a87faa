package pl.mmieszkaniec.app.push

import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Intent
import android.util.Log
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.ui.MmApplication
import pl.mmieszkaniec.app.ui.NotificationsActivity
import pl.mmieszkaniec.core.PushRegistrationInput

/**
 * Push through Firebase Cloud Messaging: the `fcm` flavour only
 * (`build.gradle.kts`). Firebase is on Google's Maven, not Maven Central,
 * so no build here compiles this file; the default flavour pushes through
 * UnifiedPush ([pl.mmieszkaniec.app.ui.UnifiedPush]).
 *
 * - [onNewToken]: the registration token to the core, which checks it and
 *   queues `PUT /api/v1/push/registration` in the outbox (sent now if it
 *   can; a token refreshed offline goes later, never lost).
 * - The server sends FCM HTTP v1 messages with a `notification` block on
 *   the channel the protocol's table names ("alerts" for an alert,
 *   `server/src/push/fcm.rs`). In the background Android shows it itself
 *   and the core does not ring the same alert or report status again (its
 *   rule for displayed pushes). In the foreground FCM hands the message
 *   here instead: it is posted once, as Android would have, and the app
 *   syncs so the inbox holds it.
 * - [onDeletedMessages]: FCM dropped messages for this phone (offline too
 *   long); a sync brings the feed, which has every one.
 */
class FcmService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        launch { repo ->
            repo.registerPush(PushRegistrationInput.Fcm(token))
            runCatching { repo.flushOutbox() }
        }
    }

    override fun onMessageReceived(message: RemoteMessage) {
        message.notification?.let { shown ->
            val channel = shown.channelId ?: MmApplication.CHANNEL_GENERAL
            post(shown.title.orEmpty(), shown.body.orEmpty(), channel)
        }
        launch { repo -> repo.sync() }
    }

    override fun onDeletedMessages() {
        launch { repo -> repo.sync() }
    }

    private fun post(title: String, body: String, channel: String) {
        val manager = getSystemService(NotificationManager::class.java) ?: return
        if (!manager.areNotificationsEnabled()) return
        val open = PendingIntent.getActivity(
            this,
            0,
            Intent(this, NotificationsActivity::class.java)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val alert = channel == MmApplication.CHANNEL_ALERTS
        val built = Notification.Builder(this, channel)
            .setSmallIcon(if (alert) android.R.drawable.stat_sys_warning else android.R.drawable.stat_notify_more)
            .setContentTitle(title)
            .setContentText(body)
            .setStyle(Notification.BigTextStyle().bigText(body))
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        manager.notify(TAG, (title + body).hashCode(), built)
    }

    private fun launch(block: suspend (pl.mmieszkaniec.app.Repository) -> Unit) {
        val app = applicationContext as MmApplication
        scope.launch {
            try {
                app.openCore()?.let { block(it) }
            } catch (e: Exception) {
                // The class only: the message may hold the token.
                Log.w("mMieszkaniec", "FCM: ${e.javaClass.simpleName}")
            }
        }
    }

    companion object {
        const val TAG = "mm-fcm"
        /** The work outlives the service's callbacks, as UnifiedPush's receiver's does. */
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    }
}
