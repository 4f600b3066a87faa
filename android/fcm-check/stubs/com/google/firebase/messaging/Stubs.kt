// Stubs of the two Firebase classes FcmService uses, with the signatures
// of Firebase's reference (firebase.google.com/docs/reference/android/com/google/firebase/messaging).
package com.google.firebase.messaging

open class FirebaseMessagingService : android.app.Service() {
    override fun onBind(intent: android.content.Intent?): android.os.IBinder? = null
    open fun onMessageReceived(message: RemoteMessage) {}
    open fun onDeletedMessages() {}
    open fun onNewToken(token: String) {}
}

class RemoteMessage {
    val notification: Notification? get() = null
    class Notification {
        val title: String? get() = null
        val body: String? get() = null
        val channelId: String? get() = null
    }
}
