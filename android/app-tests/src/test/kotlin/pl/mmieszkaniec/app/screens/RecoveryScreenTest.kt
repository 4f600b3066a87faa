package pl.mmieszkaniec.app.screens

import org.junit.Test
import pl.mmieszkaniec.app.ui.GminaPickerActivity
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.MmApplication
import pl.mmieszkaniec.app.ui.RecoveryActivity
import pl.mmieszkaniec.app.ui.NotificationsActivity
import org.robolectric.Shadows.shadowOf
import kotlinx.coroutines.runBlocking
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The core's storage unusable at launch (review item 15: it used to crash
 * loop): the recovery screen says why in the core's words, and "Usuń dane
 * lokalne i zacznij od nowa" deletes the data and opens Home on a fresh core.
 */
class RecoveryScreenTest : ScreenTest() {

    /** The storage is broken before any screen opens the core. */
    override fun pointTheAppAtTheServer() = Unit

    /** A screen the system starts (here the launcher's) hands over to the recovery screen. */
    private fun launchIntoRecovery(): RecoveryActivity {
        launch(HomeActivity::class.java)
        assertTrue(current.isFinishing, "Home gave up on a core that cannot open")
        assertNotNull(app.openFailure)
        return followTo(RecoveryActivity::class.java)
    }

    private fun recover() {
        click("Usuń dane lokalne i zacznij od nowa")
        waitUntil("a new core") { app.openFailure == null }
        waitUntil("Home to be started") { shadowOf(app).peekNextStartedActivity() != null }
        followTo(HomeActivity::class.java)
        // A fresh store has no gmina chosen: Home hands over to the picker.
        followTo(GminaPickerActivity::class.java)
        waitFor("Wybierz gminę", exact = true)
        // A fresh store: the deployment's server (the core's default, Kotlin passes null).
        assertEquals("https://mmieszkaniec.siechnice.gmina.pl", runBlocking { app.repository.status() }.serverUrl)
        assertTrue(app.coreDir.isDirectory)
    }

    @Test
    fun `a file where the data directory should be shows the recovery screen, and deleting the data recovers`() {
        app.coreDir.writeText("not a directory")
        launchIntoRecovery()
        waitFor("Nie można otworzyć danych aplikacji", exact = true)
        val failure = assertNotNull(app.openFailure)
        waitFor(failure.messagePl, exact = true)
        TalkBack.check(root, headings = listOf("Nie można otworzyć danych aplikacji"))
        screenshot("recovery")
        recover()
    }

    @Test
    fun `a corrupt database shows the core's storage message, and deleting the data recovers`() {
        app.coreDir.mkdirs()
        // Where an install from before issue 13 kept its one store: the core reads it at open to adopt it.
        app.coreDir.resolve("mm.sqlite3").writeBytes(ByteArray(8192) { (it * 31 + 7).toByte() })
        launchIntoRecovery()
        val failure = assertNotNull(app.openFailure)
        assertTrue(failure.code.startsWith("storage"), "a storage error, not ${failure.code}")
        waitFor(failure.messagePl, exact = true)
        // "Try again" on the same broken data says so again and stays.
        click("Spróbuj ponownie")
        waitFor(failure.messagePl, exact = true)
        assertNull(shadowOf(app).peekNextStartedActivity())
        recover()
    }

    @Test
    fun `a tap on a notification with broken storage lands on the recovery screen too`() {
        app.coreDir.writeText("not a directory")
        launch(NotificationsActivity::class.java)
        if (!current.isFinishing) fail("the inbox opened without a core")
        followTo(RecoveryActivity::class.java)
        waitFor("Usuń dane lokalne i zacznij od nowa")
        check(app is MmApplication)
    }
}
