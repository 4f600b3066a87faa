package pl.mmieszkaniec.app.screens

import android.content.Intent
import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.ui.UnifiedPush
import pl.mmieszkaniec.core.PushState
import pl.mmieszkaniec.core.PushTransport
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The UnifiedPush receiver: a distributor's NEW_ENDPOINT with this app's
 * token hands the endpoint and the phone's Web Push keys to the core
 * (queued, then sent to the demo server); one with another token is ignored.
 */
class UnifiedPushReceiverTest : ScreenTest() {

    private fun status() = runBlocking { app.repository.pushStatus() }

    @Test
    fun `a new endpoint registers the phone for Web Push through the core`() {
        runBlocking { app.repository.sync() }
        assertEquals(PushState.NONE, status().state)

        // A stranger's token: ignored, as the spec says.
        UnifiedPush.Receiver().onReceive(
            app,
            Intent(UnifiedPush.ACTION_NEW_ENDPOINT)
                .putExtra(UnifiedPush.EXTRA_TOKEN, "not-ours")
                .putExtra(UnifiedPush.EXTRA_ENDPOINT, "https://push.example.org/up/stranger"),
        )
        Thread.sleep(300)
        assertEquals(PushState.NONE, status().state)

        UnifiedPush.Receiver().onReceive(
            app,
            Intent(UnifiedPush.ACTION_NEW_ENDPOINT)
                .putExtra(UnifiedPush.EXTRA_TOKEN, UnifiedPush.connectionToken(app))
                .putExtra(UnifiedPush.EXTRA_ENDPOINT, "https://push.example.org/up/abc123"),
        )
        waitUntil("the core to take the registration") { status().state != PushState.NONE }
        waitUntil("the outbox to send it", timeoutMs = 30_000) { status().state != PushState.QUEUED }
        val s = status()
        println("push status after NEW_ENDPOINT: ${s.state} ${s.stateText} ${s.errorCode}")
        assertEquals(PushState.REGISTERED, s.state, "${s.stateText} ${s.errorText}")
        assertEquals(PushTransport.UNIFIED_PUSH, s.transport)

        // The keys are the phone's own and stay the same.
        val (p256dh, auth) = UnifiedPush.webPushKeys(app)
        assertEquals(87, p256dh.length, "65 bytes uncompressed P-256, base64url")
        assertEquals(22, auth.length, "16 bytes, base64url")
        assertTrue(UnifiedPush.webPushKeys(app) == p256dh to auth)
    }
}
