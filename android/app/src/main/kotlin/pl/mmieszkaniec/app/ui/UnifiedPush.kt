package pl.mmieszkaniec.app.ui

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Base64
import android.util.Log
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import pl.mmieszkaniec.core.PushRegistrationInput
import java.math.BigInteger
import java.security.KeyPairGenerator
import java.security.SecureRandom
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.util.UUID

/**
 * Push without Google services: the UnifiedPush Android protocol (spec
 * AND_3.0.0, https://unifiedpush.org/developers/spec/android/) spoken with
 * plain intents. The connector library `org.unifiedpush.android:connector`
 * is not on Maven Central (its AAR is on Google-free mirrors only, and the
 * Maven build here consumes no AARs), so this class is the small part of it
 * the app needs:
 *
 * - [register] sends `org.unifiedpush.android.distributor.REGISTER` to the
 *   distributor installed on the phone (ntfy, NextPush, …) with this app's
 *   connection token (a UUIDv4, kept);
 * - [Receiver] takes the distributor's answers:
 *   `NEW_ENDPOINT` → the core's `registerPush` with the endpoint and this
 *   phone's Web Push keys (RFC 8291: a P-256 key pair and a 16-byte auth
 *   secret, made here once and kept in the app's private preferences),
 *   queued in the outbox and sent at once;
 *   `MESSAGE` → a sync: the core fetches what the push announced and calls
 *   the [Notifier], which posts it on the channel the core's `urgent` says
 *   (an alert on "Alerty"). The encrypted payload is not decrypted here: the
 *   feed is the source of truth and the push only wakes the app;
 *   `UNREGISTERED` → the core's `unregisterPush`;
 *   `REGISTRATION_FAILED` → nothing is registered (the settings screen
 *   shows the core's push state, "not on").
 * Requests with a token other than ours are ignored, as the spec says.
 */
object UnifiedPush {
    const val ACTION_NEW_ENDPOINT = "org.unifiedpush.android.connector.NEW_ENDPOINT"
    const val ACTION_MESSAGE = "org.unifiedpush.android.connector.MESSAGE"
    const val ACTION_UNREGISTERED = "org.unifiedpush.android.connector.UNREGISTERED"
    const val ACTION_REGISTRATION_FAILED = "org.unifiedpush.android.connector.REGISTRATION_FAILED"
    const val ACTION_REGISTER = "org.unifiedpush.android.distributor.REGISTER"
    const val ACTION_MESSAGE_ACK = "org.unifiedpush.android.distributor.MESSAGE_ACK"
    const val EXTRA_TOKEN = "token"
    const val EXTRA_ENDPOINT = "endpoint"
    const val EXTRA_APPLICATION = "application"
    const val EXTRA_MESSAGE_ID = "id"

    private const val PREFS = "unifiedpush"
    private const val TOKEN = "token"
    private const val PUBLIC = "p256dh"
    private const val PRIVATE = "private"
    private const val AUTH = "auth"
    private const val DISTRIBUTOR = "distributor"

    private fun prefs(context: Context) = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    /** This app's connection token with the distributor (made once). */
    @Synchronized
    fun connectionToken(context: Context): String {
        val p = prefs(context)
        p.getString(TOKEN, null)?.let { return it }
        val token = UUID.randomUUID().toString()
        p.edit().putString(TOKEN, token).commit()
        return token
    }

    /** The Web Push keys the server encrypts to (RFC 8291), base64url: the P-256 public key uncompressed, and the auth secret. */
    @Synchronized
    fun webPushKeys(context: Context): Pair<String, String> {
        val p = prefs(context)
        val public = p.getString(PUBLIC, null)
        val auth = p.getString(AUTH, null)
        if (public != null && auth != null) return public to auth
        val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        val point = (pair.public as ECPublicKey).w
        val uncompressed = byteArrayOf(4) + fixed32(point.affineX) + fixed32(point.affineY)
        val secret = ByteArray(16).also { SecureRandom().nextBytes(it) }
        val publicText = b64url(uncompressed)
        val authText = b64url(secret)
        // The private key stays on the phone, for decrypting payloads when the app comes to read them.
        p.edit()
            .putString(PUBLIC, publicText)
            .putString(AUTH, authText)
            .putString(PRIVATE, b64url(pair.private.encoded))
            .commit()
        return publicText to authText
    }

    /**
     * Asks the phone's UnifiedPush distributor for an endpoint; false when
     * none is installed (then the feed still comes with each sync).
     */
    fun register(context: Context): Boolean {
        val distributor = context.packageManager
            .queryBroadcastReceivers(Intent(ACTION_REGISTER), 0)
            .firstOrNull()?.activityInfo?.packageName ?: return false
        prefs(context).edit().putString(DISTRIBUTOR, distributor).apply()
        context.sendBroadcast(
            Intent(ACTION_REGISTER)
                .setPackage(distributor)
                .putExtra(EXTRA_TOKEN, connectionToken(context))
                .putExtra(EXTRA_APPLICATION, context.packageName),
        )
        return true
    }

    private fun fixed32(n: BigInteger): ByteArray {
        val raw = n.toByteArray()
        return when {
            raw.size == 32 -> raw
            raw.size > 32 -> raw.copyOfRange(raw.size - 32, raw.size)
            else -> ByteArray(32 - raw.size) + raw
        }
    }

    private fun b64url(bytes: ByteArray): String =
        Base64.encodeToString(bytes, Base64.URL_SAFE or Base64.NO_PADDING or Base64.NO_WRAP)

    /** The work a broadcast starts outlives [BroadcastReceiver.onReceive] through `goAsync`. */
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    /** The Messaging Broadcast Receiver the spec asks the app to expose (declared in the manifest). */
    class Receiver : BroadcastReceiver() {
        override fun onReceive(context: Context, intent: Intent) {
            val token = intent.getStringExtra(EXTRA_TOKEN)
            if (token == null || token != connectionToken(context)) return
            val app = context.applicationContext as MmApplication
            when (intent.action) {
                ACTION_NEW_ENDPOINT -> {
                    val endpoint = intent.getStringExtra(EXTRA_ENDPOINT) ?: return
                    val (p256dh, auth) = webPushKeys(context)
                    async { repo ->
                        // The core checks it (https only) and queues it; the outbox sends it now if it can.
                        repo.registerPush(PushRegistrationInput.UnifiedPush(endpoint, p256dh, auth))
                        runCatching { repo.flushOutbox() }
                    }(app)
                }
                ACTION_MESSAGE -> {
                    val id = intent.getStringExtra(EXTRA_MESSAGE_ID)
                    val distributor = prefs(context).getString(DISTRIBUTOR, null)
                    if (id != null && distributor != null) {
                        // The spec: a message with an id is acknowledged to the distributor.
                        context.sendBroadcast(
                            Intent(ACTION_MESSAGE_ACK).setPackage(distributor)
                                .putExtra(EXTRA_TOKEN, token).putExtra(EXTRA_MESSAGE_ID, id),
                        )
                    }
                    // The sync's listener is the Notifier: what the push announced is posted on its channel.
                    async { repo -> repo.sync() }(app)
                }
                ACTION_UNREGISTERED -> async { repo -> repo.unregisterPush(); runCatching { repo.flushOutbox() } }(app)
                ACTION_REGISTRATION_FAILED -> Log.w("mMieszkaniec", "UnifiedPush registration failed")
            }
        }

        private fun async(block: suspend (pl.mmieszkaniec.app.Repository) -> Unit): (MmApplication) -> Unit = { app ->
            // Null when onReceive is called directly rather than through a broadcast.
            val pending: PendingResult? = goAsync()
            scope.launch {
                try {
                    app.openCore()?.let { block(it) }
                } catch (e: Exception) {
                    // The class only: a message may hold the endpoint.
                    Log.w("mMieszkaniec", "UnifiedPush: ${e.javaClass.simpleName}")
                } finally {
                    pending?.finish()
                }
            }
        }
    }
}
